"""The shared atomic-write and group-flush helper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imaging_hub.files import fsync_files, fsync_folders, sync_files, write_atomic


def test_write_atomic_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "report.json"
    write_atomic(target, b"first")
    write_atomic(target, [b"sec", memoryview(b"ond")], mode=0o600)
    assert target.read_bytes() == b"second"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.bin"
    write_atomic(target, b"old", durable=False)

    class Broken:
        def __iter__(self) -> Iterator[bytes]:
            yield b"half"
            raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        write_atomic(target, Broken())  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.bin"]


def test_group_flushes_reach_every_file_and_folder(tmp_path: Path) -> None:
    paths = []
    for n in range(5):
        folder = tmp_path / f"f{n % 2}"
        folder.mkdir(exist_ok=True)
        path = folder / f"{n}.dcm"
        path.write_bytes(bytes([n]) * 10)
        paths.append(path)
    flushed: list[int] = []
    fsync_files(paths, after=flushed.append)
    assert len(flushed) == 5
    fsync_folders([p.parent for p in paths])
    sync_files(paths)
    with pytest.raises(FileNotFoundError):
        sync_files([tmp_path / "missing.dcm", *paths])
