"""Tasks, worklists, reads, blinding and adjudication in the hub's database, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from api.hub import part10, study
from imaging_hub.labelling import (
    Actor,
    Cohort,
    CohortStudy,
    LabellingError,
    LabellingRoom,
    Labels,
    NotFound,
    Refused,
    make_segmentation,
    parse_reads_csv,
    store_label,
)
from imaging_hub.store import Archive

from .conftest import ADJUDICATOR, ALICE, BOB, CAROL, LEAD, Recorder, spec


def test_a_task_is_created_assigned_and_read_to_its_final_labels(room: LabellingRoom, audit: Recorder) -> None:
    task = room.create_task(LEAD, spec())
    made = room.assign(LEAD, task.id)
    assert len(made) == 8 and {a.reader for a in made} == {ALICE.name, BOB.name}
    assert room.assign(LEAD, task.id) == []  # idempotent
    assert len(room.worklist(ALICE, task.id)) == 4
    first, second = (s.study_uid for s in task.studies[:2])
    for reader in (ALICE, BOB):  # agreeing reads: consensus, no adjudication
        room.submit_read(reader, task.id, first, Labels({"nodule": "present"}, {"diameter": 6.0}))
    room.submit_read(ALICE, task.id, second, Labels({"nodule": "present"}))
    room.submit_read(BOB, task.id, second, Labels({"nodule": "absent"}))  # disagreement: to the adjudicator
    assert [a.study_uid for a in room.worklist(ADJUDICATOR, task.id)] == [second]
    finals = room.final_labels(task.id)
    assert finals[first] is not None and finals[first].answers == {"nodule": "present"}
    assert finals[first].basis == "consensus" and finals[second] is None
    room.submit_read(ADJUDICATOR, task.id, second, Labels({"nodule": "absent"}))
    final = room.final_labels(task.id)[second]
    assert final is not None and final.basis == "adjudicated" and final.answers == {"nodule": "absent"}
    progress = room.progress(LEAD, task.id)
    assert (progress.reads_done, progress.final, progress.adjudications_done) == (4, 2, 1)
    assert progress.readers[ALICE.name].to_json() == {"assigned": 4, "done": 2}
    assert {s: p.reads_done for s, p in progress.sites.items()} == {"RXA": 2, "RXB": 2}
    assert "labels.read.submit" in audit.actions("success")


def test_blinded_readers_see_only_their_own_reads(room: LabellingRoom, audit: Recorder) -> None:
    task = room.create_task(LEAD, spec())
    room.assign(LEAD, task.id)
    study = task.studies[0].study_uid
    room.submit_read(ALICE, task.id, study, Labels({"nodule": "present"}))
    room.submit_read(BOB, task.id, study, Labels({"nodule": "present"}))
    assert [r.reader for r in room.reads(ALICE, task.id, study)] == [ALICE.name]
    assert len(room.reads(LEAD, task.id, study)) == 2
    with pytest.raises(Refused):
        room.reads(CAROL, task.id, study)
    open_task = room.create_task(LEAD, spec(name="Open reads", blinded=False))
    room.assign(LEAD, open_task.id)
    room.submit_read(ALICE, open_task.id, study, Labels({"nodule": "absent"}))
    room.submit_read(BOB, open_task.id, study, Labels({"nodule": "absent"}))
    assert len(room.reads(ALICE, open_task.id, study)) == 2


def test_refusals_are_recorded_and_store_nothing(room: LabellingRoom, audit: Recorder) -> None:
    with pytest.raises(Refused):
        room.create_task(ALICE, spec())
    task = room.create_task(LEAD, spec())
    room.assign(LEAD, task.id)
    study = task.studies[0].study_uid
    with pytest.raises(Refused):
        room.submit_read(CAROL, task.id, study, Labels({"nodule": "present"}))
    with pytest.raises(Refused):
        room.assign(Actor("lead@other", manages=frozenset({"PROJ2"})), task.id)
    with pytest.raises(LabellingError, match="'maybe' is not one of"):
        room.submit_read(ALICE, task.id, study, Labels({"nodule": "maybe"}))
    with pytest.raises(LabellingError, match="question 'nodule' is not answered"):
        room.submit_read(ALICE, task.id, study, Labels({}))
    room.submit_read(ALICE, task.id, study, Labels({"nodule": "present"}))
    with pytest.raises(Refused):  # the assignment is done: a second read is refused
        room.submit_read(ALICE, task.id, study, Labels({"nodule": "absent"}))
    assert room.count_reads(task.id) == 1
    assert audit.actions("denied") == ["labels.task.create", "labels.read.submit", "labels.task.assign",
                                       "labels.read.submit"]
    with pytest.raises(LabellingError, match="already has a labelling task named"):
        room.create_task(LEAD, spec())
    with pytest.raises(NotFound):
        room.task(9999)


@pytest.mark.parametrize(("change", "message"), [
    ({"readers": ("a@x",), "reads_per_study": 2}, "reads_per_study"),
    ({"adjudicator": "alice@example.nhs.uk"}, "adjudicator"),
    ({"threshold": 1.5}, "threshold"),
    ({"name": ""}, "name"),
])
def test_a_bad_task_names_its_field(room: LabellingRoom, change: dict[str, object], message: str) -> None:
    with pytest.raises(LabellingError, match=message):
        room.create_task(LEAD, spec(**change))
    assert room.tasks() == []


def test_reads_are_imported_from_csv_all_or_none(room: LabellingRoom) -> None:
    task = room.create_task(LEAD, spec())
    s1, s2 = (s.study_uid for s in task.studies[:2])
    good = f"study_uid,reader,nodule,diameter\n{s1},{ALICE.name},present,5.5\n{s1},{BOB.name},present,\n"
    bad = good + f"{s2},{BOB.name},perhaps,\n"
    with pytest.raises(LabellingError, match="row 4, column nodule"):
        parse_reads_csv(bad, task.schema)
    with pytest.raises(LabellingError, match="row 1: missing column"):
        parse_reads_csv("study_uid,nodule\n", task.schema)
    with pytest.raises(LabellingError, match="row 2, column diameter: not a number"):
        parse_reads_csv(f"study_uid,reader,nodule,diameter\n{s1},{ALICE.name},present,big\n", task.schema)
    stranger = parse_reads_csv(f"study_uid,reader,nodule\n{s2},{CAROL.name},present\n", task.schema)
    with pytest.raises(LabellingError, match="row 1: reader is not one of"):
        room.import_reads(LEAD, task.id, stranger)
    assert room.import_reads(LEAD, task.id, parse_reads_csv(good, task.schema)) == 2
    assert {r.source for r in room.all_reads(task.id)} == {"import"}
    assert room.final_labels(task.id)[s1] is not None
    with pytest.raises(LabellingError, match="nothing was imported"):
        room.import_reads(LEAD, task.id, parse_reads_csv(good, task.schema))
    assert room.count_reads(task.id) == 2


def test_the_room_shares_the_database_and_reopens(archive: Archive, room: LabellingRoom) -> None:
    task = room.create_task(LEAD, spec())
    again = LabellingRoom.open(archive.database.writer)  # migrations are idempotent
    assert again.find_task("PROJ1", "Nodules") == task


def test_an_export_carries_the_reads_segmentations_byte_for_byte(room: LabellingRoom, archive: Archive,
                                                                  tmp_path: Path) -> None:
    images = study(5, series=1, per_series=2, rows=16)
    for ds in images:
        archive.store_bytes(part10(ds))
    task = room.create_task(LEAD, spec(cohort=Cohort("query", "{}", (CohortStudy(images[0].StudyInstanceUID, "RXA"),)),
                                       reads_per_study=1))
    room.assign(LEAD, task.id)
    reader = next(a.reader for a in room.assignments(task.id))
    mask = np.zeros((2, 16, 16), bool)
    mask[0, 2:6, 2:6] = True
    seg = make_segmentation(images, {"Nodule": mask}, task.schema, reader)
    uid = store_label(archive, seg)
    labels = Labels({"nodule": "present"}, label_uids=(uid,))
    room.submit_read(Actor(reader), task.id, task.studies[0].study_uid, labels)

    def label_bytes(sop_uid: str) -> bytes | None:
        held = archive.get(sop_uid)
        return held.path.read_bytes() if held else None

    manifest = room.export(LEAD, task.id, tmp_path / "out", label_bytes, agreement="DSA-1")
    exported = (tmp_path / "out" / "labels" / f"{uid}.dcm").read_bytes()
    assert exported == part10(seg)
    hashes = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert hashes[f"labels/{uid}.dcm"] == hashlib.sha256(exported).hexdigest()
    with pytest.raises(LabellingError, match="already exists"):
        room.export(LEAD, task.id, tmp_path / "out", label_bytes, agreement="DSA-1")
