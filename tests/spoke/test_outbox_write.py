"""Outbox files: written whole under a temporary name then renamed, from one buffer or several; what a dead
writer left is cleared at the start."""

from __future__ import annotations

import hashlib
from pathlib import Path

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


def test_the_start_clears_temporaries_and_the_files_earlier_versions_kept_to_write_over(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox", fsync=False)
    kept = outbox.write("P1", "2.25.1", b"queued")
    (tmp_path / "outbox" / "P1" / ".2.25.2.w1-0a0b0c0d.tmp").write_bytes(b"half")
    spent = tmp_path / "outbox" / ".spent"
    spent.mkdir()
    (spent / "7").write_bytes(b"acknowledged, kept by an earlier version")
    Outbox(tmp_path / "outbox", writer="w2").remove_stale("w2")  # a successor clears only its predecessor's
    assert (tmp_path / "outbox" / "P1" / ".2.25.2.w1-0a0b0c0d.tmp").exists() and spent.exists()
    outbox.remove_stale()
    assert [p for p in (tmp_path / "outbox").rglob("*") if not p.is_dir()] == [kept.path]
    assert not spent.exists()
