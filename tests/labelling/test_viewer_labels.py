"""Labels a reader stores themselves (a SEG saved from the viewer): checked, filed under their open assignment
and named by their read, also the whole way through the governed hub with an annotator's session; the study
list's labelling status; Dice and HD95 between two readers' SEGs against an independent count; the progress
chart as SVG."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from pydicom.dataset import Dataset

from api.hub import study
from governance.hub import build_hub
from governance.labels import STOW_HEADERS, seg_of, stored_images, stow_body
from governance.network import START
from imaging_hub.governance import Governance, SettableClock
from imaging_hub.labelling import (
    Actor,
    Cohort,
    CohortStudy,
    LabellingError,
    LabellingRoom,
    Labels,
    make_report,
    make_segmentation,
    progress_svg,
    segment_labels,
)

from .conftest import ADJUDICATOR, ALICE, BOB, LEAD, Recorder, schema, spec

ANNOTATOR = "ann@uni.example"  # holds the annotator role in LUNG1 on the governed hub (governance.hub)


def _images() -> list[Dataset]:
    return study(11, series=1, per_series=4, project="PROJ1", rows=24)


def _seg(images: list[Dataset], reader: Actor, box: tuple[slice, slice, slice]) -> tuple[Dataset, np.ndarray]:
    mask = np.zeros((4, 24, 24), bool)
    mask[box] = True
    return make_segmentation(images, {"Nodule": mask}, schema(), reader.name), mask


def _task(room: LabellingRoom, images: list[Dataset]) -> int:
    uid = str(images[0].StudyInstanceUID)
    cohort = Cohort(
        "snapshot", "PROJ1/v1", (CohortStudy(uid, "RXA"), CohortStudy("1.2.826.0.1.3680043.10.1.99", "RXB"))
    )
    task = room.create_task(LEAD, spec(cohort=cohort))
    room.assign(LEAD, task.id)
    return task.id


def test_a_seg_from_the_viewer_is_filed_under_the_open_assignment_and_named_by_the_read(
    room: LabellingRoom, audit: Recorder
) -> None:
    images = _images()
    uid = str(images[0].StudyInstanceUID)
    task = _task(room, images)
    seg, _ = _seg(images, ALICE, np.s_[1:3, 4:10, 4:10])
    labels = segment_labels(seg, uid)
    assert labels == ("Nodule",)
    assert room.file_label(ALICE, uid, str(seg.SOPInstanceUID), labels) == [task]
    assert room.file_label(ALICE, uid, str(seg.SOPInstanceUID), labels) == [task]  # a resend: filed once
    assert room.filed_labels(task, uid, ALICE.name) == [str(seg.SOPInstanceUID)]
    assert room.file_label(ALICE, uid, "1.2.3.4", ("Liver",)) == []  # not a segment of the task's schema
    assert room.file_label(ADJUDICATOR, uid, "1.2.3.5", labels) == []  # not assigned the study
    assert audit.actions("denied").count("labels.label.file") == 2
    read = room.submit_read(ALICE, task, uid, Labels({"nodule": "present"}, {}, ("1.2.3.6",)))
    assert read.label_uids == ("1.2.3.6", str(seg.SOPInstanceUID))
    assert room.file_label(ALICE, uid, "1.2.3.7", labels) == []  # read already: nothing open to file under


def test_a_seg_of_another_study_or_not_a_seg_is_refused(room: LabellingRoom) -> None:
    images = _images()
    seg, _ = _seg(images, ALICE, np.s_[1:3, 4:10, 4:10])
    with pytest.raises(LabellingError, match="another study"):
        segment_labels(seg, "1.2.3")
    report = make_report(images, Labels({"nodule": "absent"}), schema(), ALICE.name, task_name="t")
    with pytest.raises(LabellingError, match="not a Segmentation"):
        segment_labels(report, str(images[0].StudyInstanceUID))


def test_study_status_follows_the_reads(room: LabellingRoom) -> None:
    images = _images()
    uid = str(images[0].StudyInstanceUID)
    _task(room, images)
    task = room.find_task("PROJ1", "Nodules").id
    assert room.study_status("PROJ1", [uid]) == {uid: "Nodules: not read"}
    room.submit_read(ALICE, task, uid, Labels({"nodule": "present"}))
    assert room.study_status("PROJ1", [uid]) == {uid: "Nodules: 1 of 2 reads"}
    room.submit_read(BOB, task, uid, Labels({"nodule": "absent"}))
    assert room.study_status("PROJ1", [uid]) == {uid: "Nodules: adjudication"}
    room.submit_read(ADJUDICATOR, task, uid, Labels({"nodule": "absent"}))
    assert room.study_status("PROJ1", [uid]) == {uid: "Nodules: final"}
    assert room.study_status("OTHER", [uid]) == {}


def test_segmentation_agreement_matches_an_independent_count(room: LabellingRoom) -> None:
    images = _images()
    uid = str(images[0].StudyInstanceUID)
    task = _task(room, images)
    first, a = _seg(images, ALICE, np.s_[1:3, 4:12, 4:12])
    second, b = _seg(images, BOB, np.s_[1:3, 6:14, 4:12])
    held = {str(s.SOPInstanceUID): s for s in (first, second)}
    for actor, seg in ((ALICE, first), (BOB, second)):
        room.file_label(actor, uid, str(seg.SOPInstanceUID), ("Nodule",))
        room.submit_read(actor, task, uid, Labels({"nodule": "present"}))
    rows = room.segment_agreement(LEAD, task, held.get, lambda _study, _series: images)
    [row] = rows
    dice = 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())
    assert row["segment"] == "Nodule" and row["readers"] == sorted([ALICE.name, BOB.name])
    assert row["dice"] == pytest.approx(dice)
    spacing = float(images[0].PixelSpacing[0])
    assert row["hd95_mm"] == pytest.approx(2 * spacing, rel=0.05)  # the boxes' edges are two rows apart


def test_progress_chart_as_svg(room: LabellingRoom) -> None:
    images = _images()
    task = _task(room, images)
    svg = progress_svg(room.progress(LEAD, task))
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("viewBox")


def test_an_annotators_seg_from_the_viewer_goes_through_the_governed_hub_into_their_read(tmp_path: Path) -> None:
    """The whole way, as OHIF saves it: the annotator's own session STOWs a SEG that names no project (dcmjs copies
    no Clinical Trial attributes); the hub files it under its study's project, the labelling desk files it under
    the annotator's open assignment, the project's readers retrieve it by WADO, and a person outside gets nothing."""
    gov = Governance.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}", SettableClock(START))
    hub = build_hub(gov, tmp_path / "archive")
    try:
        room = LabellingRoom.open(hub.archive.database.writer, audit=Recorder())
        uid = hub.studies["LUNG1"]
        lead = Actor("lead@uni.example", manages=frozenset({"LUNG1"}))
        cohort = Cohort("snapshot", "LUNG1/v1", (CohortStudy(uid, "RXX"),))
        task = room.create_task(lead, spec(project="LUNG1", cohort=cohort, readers=(ANNOTATOR, BOB.name)))
        room.assign(lead, task.id)
        images = stored_images(hub.archive, uid)
        seg = seg_of(images, ANNOTATOR)
        assert "ClinicalTrialProtocolID" not in seg
        answer = hub.client(ANNOTATOR).post("/dicom-web/studies", content=stow_body(seg), headers=STOW_HEADERS)
        assert answer.status_code == 202, answer.text  # stored, with the coercion reported
        sop = str(seg.SOPInstanceUID)
        assert room.filed_labels(task.id, uid, ANNOTATOR) == [sop]
        held = hub.archive.get(sop)
        assert held is not None and held.clinical_trial_protocol_id == "LUNG1"
        url = f"/dicom-web/studies/{uid}/series/{held.series_instance_uid}/instances/{sop}"
        accept = {"Accept": 'multipart/related; type="application/dicom"'}
        back = hub.client("res@uni.example").get(url, headers=accept)
        assert back.status_code == 200 and held.path.read_bytes() in back.content
        assert hub.client("dev@pixel.example").get(url, headers=accept).status_code == 404
    finally:
        hub.archive.close()
        gov.close()
