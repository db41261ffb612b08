"""Spent intake files are written over by later arrivals: the new content exactly, the pool bounded, nothing
identifiable kept once the spoke is idle, restarted or stopped."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from imaging_hub.spoke.intake import recycling
from imaging_hub.spoke.intake.buffer import SPENT_KEEP_S, IntakeBuffer


def _spent(buffer: IntakeBuffer) -> list[Path]:
    return sorted(buffer.spent.folder.iterdir())


def test_the_next_arrival_is_written_over_a_retired_file_and_holds_only_its_own_bytes(tmp_path: Path) -> None:
    buffer = IntakeBuffer(tmp_path / "intake")
    first = buffer.put(b"A" * 5000)
    inode = first.stat().st_ino
    buffer.retire(first)
    assert not first.exists() and buffer.pending() == [] and len(_spent(buffer)) == 1

    second = buffer.put(b"short")
    assert second.stat().st_ino == inode  # the same file, written over
    assert second.read_bytes() == b"short"  # cut to what was written: nothing of the first is left in it
    assert stat.S_IMODE(second.stat().st_mode) == 0o600
    assert buffer.pending() == [second] and _spent(buffer) == []
    assert list((tmp_path / "intake" / ".incoming").iterdir()) == []

    third = buffer.put(b"new")  # none to take: a new file
    assert third.stat().st_ino != inode and third.read_bytes() == b"new"


def test_the_pool_keeps_at_most_its_slots_and_no_large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recycling, "MAX_BYTES", 1000)
    buffer = IntakeBuffer(tmp_path / "intake", fsync=False)
    for path in [buffer.put(b"x" * 100) for _ in range(recycling.SLOTS + 20)]:
        buffer.retire(path)
    assert len(_spent(buffer)) == recycling.SLOTS
    buffer.spent.clear()

    large = buffer.put(b"y" * 1001)
    buffer.retire(large)
    assert not large.exists() and _spent(buffer) == []
    buffer.retire(large)  # gone already (another worker took it): no error


def test_a_file_taken_meanwhile_is_skipped(tmp_path: Path) -> None:
    buffer = IntakeBuffer(tmp_path / "intake", fsync=False)
    for path in [buffer.put(b"old") for _ in range(3)]:
        buffer.retire(path)
    assert buffer.put(b"1").read_bytes() == b"1"  # lists the pool: two more are remembered
    for spent in _spent(buffer):
        spent.unlink()  # expired or taken by another writer since
    assert buffer.put(b"2").read_bytes() == b"2"
    assert buffer.count() == 2


def test_a_link_in_the_pool_is_never_written_through(tmp_path: Path) -> None:
    buffer = IntakeBuffer(tmp_path / "intake", fsync=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"untouched")
    (buffer.spent.folder / "7").symlink_to(elsewhere)
    assert buffer.put(b"arrival").read_bytes() == b"arrival"
    assert elsewhere.read_bytes() == b"untouched" and _spent(buffer) == []
    assert list((tmp_path / "intake" / ".incoming").iterdir()) == []


def test_spent_files_expire_and_go_at_restart(tmp_path: Path) -> None:
    buffer = IntakeBuffer(tmp_path / "intake", fsync=False)
    for path in [buffer.put(b"identifiable") for _ in range(3)]:
        buffer.retire(path)
    assert buffer.expire_spent() == 0  # just retired: kept
    assert buffer.spent.expire(SPENT_KEEP_S, now=time.time() + SPENT_KEEP_S + 1) == 3
    assert _spent(buffer) == []

    buffer.retire(buffer.put(b"identifiable"))
    IntakeBuffer(tmp_path / "intake").remove_stale()  # what the receiving process does when it starts
    assert _spent(buffer) == []


def test_a_write_over_a_spent_file_that_fails_leaves_nothing_behind(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = IntakeBuffer(tmp_path / "intake", fsync=False)
    buffer.retire(buffer.put(b"z" * 100))

    def full(fd: int, length: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "ftruncate", full)
    with pytest.raises(OSError):
        buffer.put(b"new")
    assert buffer.pending() == [] and _spent(buffer) == []
    assert list((tmp_path / "intake" / ".incoming").iterdir()) == []
