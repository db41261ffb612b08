"""The labelling pages over HTTP: a reader's worklist, reading a study beside the task's form (answers stored
as a TID 1500 SR through the archive), a SEG saved from the viewer by STOW and filed as the reader's label, a
task's agreement page with kappa checked independently, progress as SVG, export under an agreement in force,
import from CSV, the labelling column of the study browser, and the audit trail of each."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from pydicom import dcmread
from pydicom.uid import Comprehensive3DSRStorage
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from statsmodels.stats.inter_rater import cohens_kappa

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import AuditFilter, Governance, SettableClock

from .labelling_setup import ANN, RES, lung_studies, make_task, read, room, seg_bytes, stow_body


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("labelling-pages")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def csrf(client: object, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


def entries(hub: Hub, action: str, outcome: str | None = None) -> list[object]:
    found = hub.gov.audit.entries(AuditFilter(action=action, limit=10_000))
    return [e for e in found if outcome is None or e.outcome == outcome]


def test_worklist_shows_a_reader_only_their_own_assignments(hub: Hub) -> None:
    task = make_task(hub, "Worklist")
    mine = [a.study_uid for a in room(hub).assignments(task) if a.reader == ANN]
    answer = hub.client(ANN).get("/labelling")
    assert answer.status_code == 200
    shown = re.findall(r'<tr class="nhsuk-table__row" data-study="([^"]+)"', answer.text)
    assert sorted(shown) == sorted(mine) and mine
    assert f"/labelling/tasks/{task}/studies/{mine[0]}" in answer.text
    assert RES not in answer.text  # blinded: nothing of the other reader
    outsider = hub.client("dev@pixel.example").get("/labelling")
    assert outsider.status_code == 200 and "No studies are assigned to you" in outsider.text
    assert entries(hub, "labels.worklist.view")
    assert f"/labelling/tasks/{task}/agreement" in hub.client("lead@uni.example").get("/labelling").text
    assert f"/labelling/tasks/{task}/agreement" not in answer.text  # the reader does not manage it
    assert hub.client().get("/labelling").headers["location"] == "/sign-in"


def test_reading_page_frames_the_viewer_beside_the_form_for_the_assigned_reader_only(hub: Hub) -> None:
    task = make_task(hub, "Reading page")
    study = next(a.study_uid for a in room(hub).assignments(task) if a.reader == ANN)
    answer = hub.client(ANN).get(f"/labelling/tasks/{task}/studies/{study}")
    assert answer.status_code == 200
    frame = re.search(r'<iframe id="study-viewer" [^>]*src="([^"]+)"', answer.text)
    assert frame and frame.group(1) == f"/viewer/segmentation?StudyInstanceUIDs={study}"  # the task segments
    assert 'hx-post="/labelling/tasks/' in answer.text and 'name="q_finding"' in answer.text
    assert [e for e in entries(hub, "labels.study.open", "success") if e.entity_id == study and e.actor == ANN]
    # The viewer may be framed by the hub's own page and by no other site.
    viewer = hub.client(ANN).get(f"/viewer/viewer?StudyInstanceUIDs={study}")
    assert (
        viewer.headers["x-frame-options"] == "SAMEORIGIN"
        and "frame-ancestors 'self'" in viewer.headers["content-security-policy"]
    )
    before = len(entries(hub, "labels.study.open", "denied"))
    refused = hub.client("sdm@rxx.example").get(f"/labelling/tasks/{task}/studies/{study}")
    assert refused.status_code == 403
    assert len(entries(hub, "labels.study.open", "denied")) == before + 1


def test_a_read_is_stored_as_an_sr_through_the_archive_and_named_by_the_read(hub: Hub) -> None:
    task = make_task(hub, "Form")
    study = next(a.study_uid for a in room(hub).assignments(task) if a.reader == ANN)
    client = hub.client(ANN)
    token = csrf(client, client.get(f"/labelling/tasks/{task}/studies/{study}").text)
    url = f"/labelling/tasks/{task}/studies/{study}/read"
    held = hub.archive.count_instances()
    wrong = client.post(url, data={"csrf": token, "m_diameter": "7.5"}, headers={"HX-Request": "true"})
    assert wrong.status_code == 200 and "The read was not saved" in wrong.text and "not answered" in wrong.text
    assert hub.archive.count_instances() == held  # nothing partial stored
    saved = client.post(
        url, data={"csrf": token, "q_finding": "present", "m_diameter": "7.5"}, headers={"HX-Request": "true"}
    )
    assert saved.status_code == 200 and 'id="read-saved"' in saved.text and "<html" not in saved.text
    [mine] = [r for r in room(hub).all_reads(task) if r.reader == ANN]
    assert mine.answers == {"finding": "present"} and mine.measurements == {"diameter": 7.5}
    [sr_uid] = mine.label_uids
    stored = hub.archive.get(sr_uid)
    assert stored is not None and stored.sop_class_uid == Comprehensive3DSRStorage
    assert stored.study_instance_uid == study and stored.clinical_trial_protocol_id == "LUNG1"
    sr = dcmread(stored.path)
    evidence = {
        i.ReferencedSOPInstanceUID
        for s in sr.CurrentRequestedProcedureEvidenceSequence
        for series in s.ReferencedSeriesSequence
        for i in series.ReferencedSOPSequence
    }
    assert evidence == {i.sop_instance_uid for i in hub.archive.instances(study) if i.sop_instance_uid != sr_uid}
    writes = [e for e in entries(hub, "dicom.write") if e.entity_id == sr_uid]
    assert writes and writes[0].actor == ANN
    again = client.post(url, data={"csrf": token, "q_finding": "absent"}, headers={"HX-Request": "true"})
    assert again.status_code == 403  # read already: the assignment is closed
    assert client.post(url, data={"csrf": "forged", "q_finding": "absent"}).status_code == 403


def test_a_seg_saved_from_the_viewer_by_stow_is_filed_as_the_readers_label(hub: Hub) -> None:
    lead = "lead@uni.example"  # the lead may store into LUNG1 (governance's write rule), so reads for once
    task = make_task(hub, "Segmenting", readers=(lead, ANN))
    study = next(a.study_uid for a in room(hub).assignments(task) if a.reader == lead)
    seg_uid, data = seg_bytes(hub, study, lead)
    body, headers = stow_body(data)
    client = hub.client(lead)
    stored = client.post("/dicom-web/studies", content=body, headers=headers)
    assert stored.status_code == 200, stored.text
    assert room(hub).filed_labels(task, study, lead) == [seg_uid]
    assert [e for e in entries(hub, "labels.label.file") if e.entity_id == seg_uid and e.outcome == "success"]
    page = client.get(f"/labelling/tasks/{task}/studies/{study}")
    assert "Segmentations saved from the viewer: 1" in page.text
    client.post(
        f"/labelling/tasks/{task}/studies/{study}/read",
        data={"csrf": csrf(client, page.text), "q_finding": "absent"},
        headers={"HX-Request": "true"},
    )
    [mine] = [r for r in room(hub).all_reads(task) if r.reader == lead]
    assert mine.label_uids[1:] == (seg_uid,) and hub.archive.get(mine.label_uids[0]) is not None
    # Once read, the study is no longer open to them: a later SEG is stored by governance's rules, filed nowhere.
    stray_uid, stray = seg_bytes(hub, study, lead, corner=2)
    assert client.post("/dicom-web/studies", content=stow_body(stray)[0], headers=headers).status_code == 200
    assert stray_uid not in room(hub).filed_labels(task, study, lead)
    assert [e for e in entries(hub, "labels.label.file", "denied") if e.entity_id == stray_uid]
    assert hub.client().get("/viewer/app-config.js").text.count('"supportsStow": true') == 1


def test_agreement_page_kappa_matches_statsmodels_and_lists_disagreements(hub: Hub) -> None:
    task = make_task(hub, "Agreement", adjudicator="lead@uni.example".replace("lead", "adj"))
    studies = lung_studies(hub)
    ann = ["present", "absent", "present", "absent"]
    res = ["present", "absent", "absent", "absent"]
    for study, a, r in zip(studies, ann, res, strict=True):
        read(hub, task, ANN, study, a)
        read(hub, task, RES, study, r)
    answer = hub.client("lead@uni.example").get(f"/labelling/tasks/{task}/agreement")
    assert answer.status_code == 200, answer.text[:400]
    shown = re.search(r'<td class="nhsuk-table__cell kappa">([^<]+)</td>', answer.text)
    expected = cohen_kappa_score(ann, res)
    independent = cohens_kappa(confusion_matrix(ann, res, labels=["absent", "present"]), return_results=True)
    assert shown and float(shown.group(1)) == pytest.approx(expected, abs=0.005)
    assert f"{max(independent.kappa_low, -1):.2f} to {min(independent.kappa_upp, 1):.2f}" in answer.text
    disagreed = re.findall(
        r'<tr class="nhsuk-table__row" data-study="([^"]+)">', answer.text.split('id="disagreements"')[1]
    )
    assert disagreed == [studies[2]] and "with the adjudicator" in answer.text
    svg = hub.client("lead@uni.example").get(f"/labelling/tasks/{task}/progress.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content[:400]
    for outsider in (ANN, RES, "admin@network.example"):
        assert hub.client(outsider).get(f"/labelling/tasks/{task}/agreement").status_code == 403
    assert entries(hub, "labels.task.progress", "denied") and entries(hub, "labels.task.agreement", "success")


def test_export_needs_an_agreement_in_force_and_holds_the_files_and_manifest(hub: Hub) -> None:
    task = make_task(hub, "Export")
    client = hub.client("lead@uni.example")
    token = csrf(client, client.get(f"/labelling/tasks/{task}/agreement").text)
    refused = client.post(f"/labelling/tasks/{task}/export", data={"csrf": token, "agreement": "DSA-2026-002"})
    assert refused.status_code == 403 and entries(hub, "labels.task.export", "denied")
    answer = client.post(f"/labelling/tasks/{task}/export", data={"csrf": token, "agreement": "DSA-2026-001"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert {"manifest.json", "reads.csv", "final.csv"} <= set(names)


def test_import_from_csv_is_all_or_nothing(hub: Hub) -> None:
    task = make_task(hub, "Import")
    studies = lung_studies(hub)
    client = hub.client("lead@uni.example")
    token = csrf(client, client.get(f"/labelling/tasks/{task}/agreement").text)
    bad = f"study_uid,reader,finding\n{studies[0]},{ANN},present\n{studies[1]},{ANN},maybe\n"
    answer = client.post(
        f"/labelling/tasks/{task}/import",
        data={"csrf": token},
        files={"reads": ("reads.csv", bad.encode(), "text/csv")},
    )
    assert answer.status_code == 400 and "row 3, column finding" in answer.text
    assert room(hub).count_reads(task) == 0
    good = f"study_uid,reader,finding\n{studies[0]},{ANN},present\n{studies[0]},{RES},present\n"
    answer = client.post(
        f"/labelling/tasks/{task}/import",
        data={"csrf": token},
        files={"reads": ("reads.csv", good.encode(), "text/csv")},
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("imported=2")
    assert room(hub).count_reads(task) == 2


def test_study_browser_shows_each_studys_labelling_status(hub: Hub) -> None:
    task = make_task(hub, "Browser status")
    study = lung_studies(hub)[0]
    read(hub, task, ANN, study, "absent")
    table = hub.client(RES).get("/projects/LUNG1/studies/table").text
    assert '<th scope="col">Labelling</th>' in table
    row = table.split(f'data-study="{study}"')[1].split("</tr>")[0]
    assert "Browser status: 1 of 2 reads" in row
