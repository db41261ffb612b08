"""Outbox files: written whole under a temporary name then renamed, from one buffer or several, over an
acknowledged file where one is kept."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from imaging_hub.spoke.delivery import outbox as outbox_module
from imaging_hub.spoke.delivery.outbox import Outbox


def test_buffers_are_written_in_order_and_hashed_as_one_file(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", fsync=False)
    buffers = [b"\x00" * 132, b"", bytes(range(256)) * 1024, b"tail"]
    written = outbox.write("P1", "2.25.1", buffers)  # the project's folder is made on its first file
    expected = b"".join(buffers)
    assert written.path == tmp_path / "outbox" / "P1" / "2.25.1.dcm"
    assert written.path.read_bytes() == expected
    assert (written.sha256, written.size) == (hashlib.sha256(expected).hexdigest(), len(expected))
    assert [p.name for p in written.path.parent.iterdir()] == ["2.25.1.dcm"]  # no temporary left


def test_one_bytes_object_and_a_rewrite_replace_the_file(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", fsync=False)
    outbox.write("P1", "2.25.1", b"first version, longer")
    written = outbox.write("P1", "2.25.1", b"second")
    assert written.path.read_bytes() == b"second" and written.size == 6


def test_an_acknowledged_file_is_written_over_by_a_later_instance(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", fsync=False)
    first = outbox.write("P1", "2.25.1", b"A" * 5000)
    inode = first.path.stat().st_ino
    outbox.retire(first.path)
    assert not first.path.exists() and len(list(outbox.spent.folder.iterdir())) == 1

    second = outbox.write("P1", "2.25.2", [b"sh", b"ort"])
    assert second.path.stat().st_ino == inode  # the same file, written over
    assert second.path.read_bytes() == b"short"  # cut to what was written: nothing of the first is left
    assert (second.sha256, second.size) == (hashlib.sha256(b"short").hexdigest(), 5)
    assert [p.name for p in second.path.parent.iterdir()] == ["2.25.2.dcm"]  # no temporary left
    assert list(outbox.spent.folder.iterdir()) == []


def test_a_new_project_folder_gets_a_new_file_and_the_pool_is_kept(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", fsync=False)
    outbox.retire(outbox.write("P1", "2.25.1", b"spent").path)
    written = outbox.write("P2", "2.25.2", b"new project")  # no P2 folder yet: nothing to rename into
    assert written.path.read_bytes() == b"new project"
    assert len(list(outbox.spent.folder.iterdir())) == 1
    assert outbox.write("P2", "2.25.3", b"now taken").path.read_bytes() == b"now taken"
    assert list(outbox.spent.folder.iterdir()) == []


def test_the_pool_is_bounded_and_expires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_module, "SPENT_SLOTS", 4)
    outbox = Outbox(tmp_path / "outbox", fsync=False)
    for written in [outbox.write("P1", f"2.25.{n}", b"x" * 10) for n in range(10)]:
        outbox.retire(written.path)  # a reconciliation acknowledges them together
    assert len(list(outbox.spent.folder.iterdir())) == 4
    outbox.remove_stale()  # the pool is not a writer's leftover
    assert len(list(outbox.spent.folder.iterdir())) == 4
    assert outbox.expire_spent() == 0  # just retired: kept
    assert outbox.spent.expire(outbox_module.SPENT_KEEP_S, now=time.time() + outbox_module.SPENT_KEEP_S + 1) == 4
    assert list(outbox.spent.folder.iterdir()) == []
