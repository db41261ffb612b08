"""The shared atomic-write and group-flush helper."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from imaging_hub import files
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


def test_a_new_file_is_written_unnamed_and_linked_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No temporary name at any time; the writes go out in pieces (a short writev) and arrive whole."""
    real_writev = os.writev
    seen: list[list[str]] = []

    def short_writev(fd: int, buffers: list[memoryview]) -> int:
        seen.append(sorted(p.name for p in tmp_path.rglob("*")))
        return real_writev(fd, [buffers[0][:3]])

    monkeypatch.setattr(os, "writev", short_writev)
    target = tmp_path / "study" / "series" / "1.dcm"
    write_atomic(target, [b"header", memoryview(b"pixels" * 3), b""], durable=False)
    assert target.read_bytes() == b"header" + b"pixels" * 3
    assert len(seen) == 8 and all(names == ["series", "study"] for names in seen)


def test_a_failed_unnamed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(fd: int, buffers: list[memoryview]) -> int:
        raise OSError("disk went away")

    monkeypatch.setattr(os, "writev", broken)
    with pytest.raises(OSError, match="disk went away"):
        write_atomic(tmp_path / "out.dcm", b"data")
    assert list(tmp_path.iterdir()) == []


def test_a_file_system_without_unnamed_files_gets_a_renamed_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def no_tmpfile(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, "not supported")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", no_tmpfile)
    monkeypatch.setattr(files, "_unnamed_files", True)
    target = tmp_path / "new" / "out.dcm"
    write_atomic(target, b"first", durable=False)
    write_atomic(target, b"second", mode=0o600)
    assert target.read_bytes() == b"second" and target.stat().st_mode & 0o777 == 0o600
    assert files._unnamed_files is False  # asked once, not per file
    assert [p.name for p in target.parent.iterdir()] == ["out.dcm"]
