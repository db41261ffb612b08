"""Held for review: an instance whose pixels may show text nothing masked stays at the spoke (nothing of it
is queued for the hub) until a person releases it with masks, or rejects it; the held copy is removed
either way and every look and decision is in the spoke's review audit, refusals included."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import numpy as np
import pydicom
import pytest
from held_spoke import LINE_Y, PARTICIPANT, PROJECT, SIZE, HeldSpoke, held_spoke
from PIL import Image
from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.spoke import (
    HELD,
    REJECTED,
    HeldItem,
    ReviewDesk,
    Reviewer,
    ReviewError,
    connect,
    review_audit_entries,
    withdraw,
)
from imaging_hub.spoke.delivery import outbox

ALICE = Reviewer("alice", "cli")


@pytest.fixture()
def spoke(tmp_path: Path) -> HeldSpoke:
    return held_spoke(tmp_path / "site")


def _one(desk: ReviewDesk) -> HeldItem:
    (item,) = desk.held(ALICE)
    return item


def _state(spoke: HeldSpoke) -> tuple[str, str, str]:
    conn = connect(spoke.data)
    try:
        row = conn.exec_driver_sql("SELECT state, reason, blob FROM instance").one()
    finally:
        conn.close()
    return row.state, row.reason, row.blob


def test_a_held_instance_stays_at_the_spoke_de_identified_but_unmasked(spoke: HeldSpoke) -> None:
    state, reason, blob = _state(spoke)
    assert state == HELD and "could not read" in reason
    held = Path(blob)
    assert held.is_relative_to(spoke.data / "held") and stat.S_IMODE(held.stat().st_mode) == 0o600
    assert not any((spoke.data / "outbox").rglob("*.dcm"))  # nothing in the outbox: nothing can leave
    conn = connect(spoke.data)
    try:
        assert outbox.due(conn, 100, 1 << 30) == []
    finally:
        conn.close()
    candidate = pydicom.dcmread(held)
    assert str(candidate.PatientName) != str(spoke.source.PatientName)
    assert candidate.PatientID != spoke.source.PatientID
    assert candidate.SOPInstanceUID != spoke.source.SOPInstanceUID
    assert candidate.PixelData == spoke.source.PixelData  # the reviewer sees what came in


def test_release_applies_the_proposed_and_added_masks_and_queues_it(spoke: HeldSpoke) -> None:
    desk = ReviewDesk.for_data_dir(connect(spoke.data), spoke.data)
    item = _one(desk)
    ((x, y, w, h),) = item.proposed
    assert y <= LINE_Y <= y + h
    desk.add_mask(ALICE, PROJECT, item.deid_sop_uid, (200, 0, 56, 20))
    assert desk.release(ALICE, PROJECT, item.deid_sop_uid) == 2
    state, reason, blob = _state(spoke)
    assert (state, reason) == (outbox.DEIDENTIFIED, "")
    assert not item.blob.exists()  # the identifiable copy is gone
    (due,) = outbox.due(desk._conn, 100, 1 << 30)
    assert due.deid_sop_uid == item.deid_sop_uid and Path(blob) == due.blob
    out = pydicom.dcmread(due.blob)
    pixels = out.pixel_array
    assert not pixels[y : y + h, x : x + w].any() and not pixels[0:20, 200:256].any()
    source = np.frombuffer(spoke.source.PixelData, np.uint8).reshape(SIZE, SIZE)
    outside = np.ones((SIZE, SIZE), bool)
    outside[y : y + h, x : x + w] = outside[0:20, 200:256] = False
    assert np.array_equal(pixels[outside], source[outside])
    assert out.BurnedInAnnotation == "NO"
    assert "113101" in {c.CodeValue for c in out.DeidentificationMethodCodeSequence}
    assert desk.held(ALICE) == []
    actions = [(e.action, e.outcome) for e in review_audit_entries(desk._conn)]
    assert ("release", "done") in actions and ("mask", "done") in actions
    desk.close()


def test_release_without_the_proposals_leaves_their_pixels(spoke: HeldSpoke) -> None:
    desk = ReviewDesk.for_data_dir(connect(spoke.data), spoke.data)
    item = _one(desk)
    assert desk.release(ALICE, PROJECT, item.deid_sop_uid, apply_proposed=False) == 0
    (due,) = outbox.due(desk._conn, 100, 1 << 30)
    assert pydicom.dcmread(due.blob).PixelData == spoke.source.PixelData
    desk.close()


def test_reject_removes_the_held_copy_and_nothing_is_queued(spoke: HeldSpoke) -> None:
    desk = ReviewDesk.for_data_dir(connect(spoke.data), spoke.data)
    item = _one(desk)
    desk.reject(ALICE, PROJECT, item.deid_sop_uid)
    assert _state(spoke) == (outbox.QUARANTINED, REJECTED, "")
    assert not item.blob.exists() and not any((spoke.data / "held").rglob("*.dcm"))
    assert outbox.due(desk._conn, 100, 1 << 30) == []
    with pytest.raises(ReviewError, match="no held instance"):
        desk.release(ALICE, PROJECT, item.deid_sop_uid)  # decided once
    desk.close()


def test_refusals_are_audited_and_change_nothing(spoke: HeldSpoke) -> None:
    desk = ReviewDesk.for_data_dir(connect(spoke.data), spoke.data)
    item = _one(desk)
    with pytest.raises(ReviewError, match="not inside the 256x256 image"):
        desk.add_mask(ALICE, PROJECT, item.deid_sop_uid, (250, 0, 20, 10))
    with pytest.raises(ReviewError, match=r"no held instance 2\.25\.1 in project ECHO1"):
        desk.reject(ALICE, PROJECT, "2.25.1")
    assert _one(desk).added == ()
    refused = [
        (e.action, e.outcome, e.reviewer, e.interface)
        for e in review_audit_entries(desk._conn)
        if e.outcome.startswith("refused")
    ]
    assert [(a, who, via) for a, _, who, via in refused] == [("reject", "alice", "cli"), ("mask", "alice", "cli")]
    assert _state(spoke)[0] == HELD
    desk.close()


def test_thumbnail_shows_the_proposed_mask_at_the_spoke(spoke: HeldSpoke) -> None:
    desk = ReviewDesk.for_data_dir(connect(spoke.data), spoke.data)
    item = _one(desk)
    picture = np.asarray(Image.open(io.BytesIO(desk.thumbnail(ALICE, PROJECT, item.deid_sop_uid))).convert("RGB"))
    x, y, w, _ = item.proposed[0]
    assert picture.shape == (SIZE, SIZE, 3)
    assert tuple(picture[y, x + w // 2]) == (255, 140, 0)  # the box's top edge, in the proposals' colour
    assert ("thumbnail", "done") in [(e.action, e.outcome) for e in review_audit_entries(desk._conn)]
    desk.close()


def test_withdrawal_removes_a_held_copy(spoke: HeldSpoke) -> None:
    conn = connect(spoke.data)
    blob = Path(_state(spoke)[2])
    withdraw(conn, PROJECT, PARTICIPANT)
    conn.close()
    assert not blob.exists()


def test_cli_lists_masks_and_releases(spoke: HeldSpoke) -> None:
    runner = CliRunner()
    data = ["--data", str(spoke.data), "--reviewer", "bob"]
    listed = runner.invoke(app, ["spoke", "review", "list", "--json", *data])
    assert listed.exit_code == 0, listed.output
    (item,) = json.loads(listed.output)
    assert item["participant_id"] == PARTICIPANT and len(item["proposed"]) == 1 and item["added"] == []
    uid = item["deid_sop_uid"]
    bad = runner.invoke(app, ["spoke", "review", "mask", PROJECT, uid, "1,2,3", *data])
    assert bad.exit_code == 2 and "four whole numbers" in bad.output
    added = runner.invoke(app, ["spoke", "review", "mask", PROJECT, uid, "0,0,40,12", *data])
    assert added.exit_code == 0 and "1 added" in added.output, added.output
    released = runner.invoke(app, ["spoke", "review", "release", PROJECT, uid, *data])
    assert released.exit_code == 0 and "released with 2 mask(s)" in released.output, released.output
    again = runner.invoke(app, ["spoke", "review", "reject", PROJECT, uid, *data])
    assert again.exit_code == 1 and "no held instance" in again.output
    conn = connect(spoke.data)
    entries = review_audit_entries(conn)
    conn.close()
    assert {(e.reviewer, e.interface) for e in entries} == {("bob", "cli")}
    assert [e.action for e in reversed(entries)] == ["list", "mask", "release", "reject"]
    assert not os.listdir(spoke.data / "held" / PROJECT)
