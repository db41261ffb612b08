"""An annotator (who reads LUNG1 under its agreement) may STOW label objects for LUNG1's stored studies and
nothing else: not an image, not a label of another project's study or of a study the archive does not hold, not a
label naming a project other than its study's, and nothing once the role is revoked. Each refusal is 0x0124 for
its part, audited as denied, and leaves nothing stored or spooled."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.uid import generate_uid

from imaging_hub.dicomweb import FailureReason, WarningReason, parse_stow_response
from imaging_hub.governance import SYSTEM, AuditFilter, Governance, SettableClock

from .hub import Hub, build_hub, study_bytes
from .labels import STOW_HEADERS, part10, report_of, seg_of, stored_images, stow_body
from .network import PASSWORD, START

ANN = "ann@uni.example"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("label-writes")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def spooled(hub: Hub) -> list[Path]:
    tmp = hub.archive.data_dir / "tmp"
    return [p for p in tmp.rglob("*") if p.is_file()] if tmp.exists() else []


def denied_for(hub: Hub, uid: str) -> bool:
    entries = hub.gov.audit.entries(AuditFilter(action="dicom.write", outcome="denied", limit=200))
    return any(e.actor == ANN and uid in json.loads(e.detail or "{}").get("uids", []) for e in entries)


def refused(hub: Hub, body: bytes, uid: str, who: str = ANN) -> None:
    answer = hub.client(who).post("/dicom-web/studies", content=body, headers=STOW_HEADERS)
    assert answer.status_code == 409, answer.text
    assert parse_stow_response(answer.json()).failed == {uid: FailureReason.NOT_AUTHORIZED}
    assert hub.archive.get(uid) is None
    assert spooled(hub) == []
    assert denied_for(hub, uid)


def test_an_annotator_may_not_store_an_image_even_of_their_own_study(hub: Hub) -> None:
    fresh = dcmread(io.BytesIO(study_bytes("LUNG1", "RXX", seed=41)[0]))
    refused(hub, stow_body(fresh), str(fresh.SOPInstanceUID))
    # An image added to LUNG1's stored study, naming LUNG1: still an image, still refused.
    extra = stored_images(hub.archive, hub.studies["LUNG1"])[0]
    extra.SOPInstanceUID = generate_uid()
    refused(hub, stow_body(extra), str(extra.SOPInstanceUID))


def test_an_annotator_may_not_label_another_projects_study_or_one_the_archive_lacks(hub: Hub) -> None:
    brain = stored_images(hub.archive, hub.studies["BRAIN2"])
    lung = stored_images(hub.archive, hub.studies["LUNG1"])
    for seg in (seg_of(brain, ANN), seg_of(brain, ANN, project="LUNG1"), seg_of(brain, ANN, project="BRAIN2")):
        refused(hub, stow_body(seg), str(seg.SOPInstanceUID))
    unheld = [dcmread(io.BytesIO(b)) for b in study_bytes("LUNG1", "RXX", seed=43)]
    for seg in (seg_of(unheld, ANN), seg_of(unheld, ANN, project="LUNG1")):
        refused(hub, stow_body(seg), str(seg.SOPInstanceUID))
    # LUNG1's study, but the label names BRAIN2: a label goes under its study's project or nowhere.
    misnamed = seg_of(lung, ANN, project="BRAIN2")
    refused(hub, stow_body(misnamed), str(misnamed.SOPInstanceUID))
    # LUNG1's study, but another patient, or put into BRAIN2's series: it would not join its study in the index.
    other_patient = seg_of(lung, ANN)
    other_patient.PatientID = "SOMEONE-ELSE"
    refused(hub, stow_body(other_patient), str(other_patient.SOPInstanceUID))
    in_brain_series = seg_of(lung, ANN)
    in_brain_series.SeriesInstanceUID = hub.instances["BRAIN2"][1]
    refused(hub, stow_body(in_brain_series), str(in_brain_series.SOPInstanceUID))


def test_an_annotators_labels_of_their_study_are_stored_under_it(hub: Hub) -> None:
    lung = stored_images(hub.archive, hub.studies["LUNG1"])
    client = hub.client(ANN)
    named = report_of(lung, ANN, project="LUNG1")
    answer = client.post("/dicom-web/studies", content=stow_body(named), headers=STOW_HEADERS)
    assert answer.status_code == 200, answer.text
    unnamed = seg_of(lung, ANN)
    answer = client.post("/dicom-web/studies", content=stow_body(unnamed), headers=STOW_HEADERS)
    assert answer.status_code == 202, answer.text
    result = parse_stow_response(answer.json())
    assert result.warnings == {str(unnamed.SOPInstanceUID): WarningReason.COERCION_OF_DATA_ELEMENTS}
    held = hub.archive.get(str(unnamed.SOPInstanceUID))
    assert held is not None and (held.clinical_trial_protocol_id, held.clinical_trial_site_id) == ("LUNG1", "RXX")
    entries = hub.gov.audit.entries(AuditFilter(action="dicom.write", outcome="success", limit=50))
    [entry] = [e for e in entries if str(unnamed.SOPInstanceUID) in json.loads(e.detail or "{}").get("uids", [])]
    assert (entry.actor, entry.project, json.loads(entry.detail or "{}")["result"]) == (ANN, "LUNG1", "success")
    assert spooled(hub) == []


def test_a_label_without_a_project_gets_its_studys_whole_clinical_trial_subject_module(hub: Hub) -> None:
    """Copied from the study, the module is complete: the stored SEG is as valid for dciodvfy as the one sent."""
    images = [dcmread(io.BytesIO(b)) for b in study_bytes("LUNG1", "RXX", seed=53)]
    for ds in images:
        ds.ClinicalTrialSponsorName, ds.ClinicalTrialProtocolName = "North Imaging Network", "Lung nodules"
        ds.ClinicalTrialSiteName, ds.ClinicalTrialSubjectID = "Northtown", "LUNG1-0042"
        hub.archive.store_bytes(part10(ds))
    seg = seg_of(images, ANN)
    assert dciodvfy_errors(part10(seg), hub.archive.data_dir / "sent.dcm") == []
    answer = hub.client(ANN).post("/dicom-web/studies", content=stow_body(seg), headers=STOW_HEADERS)
    assert answer.status_code == 202, answer.text
    held = hub.archive.get(str(seg.SOPInstanceUID))
    assert held is not None
    stored = dcmread(held.path, stop_before_pixels=True)
    assert (stored.ClinicalTrialSubjectID, stored.ClinicalTrialSiteName) == ("LUNG1-0042", "Northtown")
    assert dciodvfy_errors(held.path.read_bytes(), hub.archive.data_dir / "stored.dcm") == []


def dciodvfy_errors(data: bytes, path: Path) -> list[str]:
    path.write_bytes(data)
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]


def test_a_mixed_request_stores_the_label_and_refuses_the_image(hub: Hub) -> None:
    lung = stored_images(hub.archive, hub.studies["LUNG1"])
    seg = seg_of(lung, ANN)
    image = dcmread(io.BytesIO(study_bytes("LUNG1", "RXX", seed=47)[0]))
    answer = hub.client(ANN).post("/dicom-web/studies", content=stow_body(seg, image), headers=STOW_HEADERS)
    assert answer.status_code == 202, answer.text
    result = parse_stow_response(answer.json())
    assert result.referenced == {str(seg.SOPInstanceUID)}
    assert result.failed == {str(image.SOPInstanceUID): FailureReason.NOT_AUTHORIZED}
    assert hub.archive.get(str(image.SOPInstanceUID)) is None
    assert denied_for(hub, str(image.SOPInstanceUID))


def test_a_lead_s_label_without_a_project_is_filed_under_its_study_too(hub: Hub) -> None:
    seg = seg_of(stored_images(hub.archive, hub.studies["LUNG1"]), "lead@uni.example")
    answer = hub.client("lead@uni.example").post("/dicom-web/studies", content=stow_body(seg), headers=STOW_HEADERS)
    assert answer.status_code == 202, answer.text
    held = hub.archive.get(str(seg.SOPInstanceUID))
    assert held is not None and held.clinical_trial_protocol_id == "LUNG1"


def test_a_researcher_who_does_not_label_may_not_store_labels(hub: Hub) -> None:
    seg = seg_of(stored_images(hub.archive, hub.studies["LUNG1"]), "res@uni.example", project="LUNG1")
    answer = hub.client("res@uni.example").post("/dicom-web/studies", content=stow_body(seg), headers=STOW_HEADERS)
    assert answer.status_code == 403
    assert hub.archive.get(str(seg.SOPInstanceUID)) is None


def test_a_revoked_annotator_is_refused_on_the_next_request(hub: Hub) -> None:
    uni = hub.network.researcher.organisation_id
    person = hub.gov.directory.create_person(SYSTEM, "kim@uni.example", "Kim Labeller", uni, PASSWORD)
    membership = hub.gov.directory.grant(SYSTEM, person.id, "annotator", project_code="LUNG1")
    client = hub.client("kim@uni.example")
    lung = stored_images(hub.archive, hub.studies["LUNG1"])
    first = seg_of(lung, "kim@uni.example")
    assert client.post("/dicom-web/studies", content=stow_body(first), headers=STOW_HEADERS).status_code == 202
    hub.gov.directory.revoke(SYSTEM, membership.id)
    second = seg_of(lung, "kim@uni.example")
    answer = client.post("/dicom-web/studies", content=stow_body(second), headers=STOW_HEADERS)
    assert answer.status_code in (401, 403), answer.text
    assert hub.archive.get(str(second.SOPInstanceUID)) is None
    entries = hub.gov.audit.entries(AuditFilter(outcome="denied", limit=50))
    assert any(e.actor == "kim@uni.example" for e in entries)


def test_labels_need_the_agreement_in_force_that_reading_needs(hub: Hub) -> None:
    seg = seg_of(stored_images(hub.archive, hub.studies["LUNG1"]), ANN)
    hub.gov.agreements.decide(SYSTEM, "DSA-2026-001", "suspend")
    try:
        answer = hub.client(ANN).post("/dicom-web/studies", content=stow_body(seg), headers=STOW_HEADERS)
        assert answer.status_code == 403, answer.text
        assert hub.archive.get(str(seg.SOPInstanceUID)) is None
    finally:
        hub.gov.agreements.decide(SYSTEM, "DSA-2026-001", "resume")
    answer = hub.client(ANN).post("/dicom-web/studies", content=stow_body(seg), headers=STOW_HEADERS)
    assert answer.status_code == 202, answer.text


def test_a_label_only_caller_cannot_make_the_hub_spool_an_image_sized_upload(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imaging_hub.api import stow_routes

    monkeypatch.setattr(stow_routes, "LABEL_UPLOAD_MAX_BYTES", 1024)
    fresh = dcmread(io.BytesIO(study_bytes("LUNG1", "RXX", seed=43)[0]))
    body = stow_body(fresh)
    assert len(body) > 1024
    answer = hub.client(ANN).post("/dicom-web/studies", content=body, headers=STOW_HEADERS)
    assert answer.status_code == 413, answer.text
    assert spooled(hub) == [] and hub.archive.get(str(fresh.SOPInstanceUID)) is None
    lead = hub.client("lead@uni.example").post("/dicom-web/studies", content=body, headers=STOW_HEADERS)
    assert lead.status_code == 200, "a project lead may send images: the image-sized limit is theirs"
