"""Files that survive a crash: written whole under a temporary name, renamed into place, flushed together.

A file is durable once its contents are flushed (fsync) and the folder entry that names it is flushed too.
fsyncs issued at the same moment from several threads share the file system's journal commits, so a
group of N files costs about one flush rather than N: :func:`fsync_files` and :func:`fsync_folders` flush
a group in parallel, :func:`sync_files` does both for files already renamed into place, and
:func:`write_atomic` writes one file so that a reader sees the old file or the new one, never a part.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_THREADS = 16  # flushes in flight at once; the file system merges them into few journal commits
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()

AfterFlush = Callable[[int], None]  # called with the flushed file's descriptor, before it is closed


def fsync_files(paths: Iterable[Path], *, after: AfterFlush | None = None) -> None:
    """Flush the contents of every file, together. Raises OSError if any flush fails."""
    _in_parallel(lambda path: _fsync(path, after=after), list(paths))


def fsync_folders(folders: Iterable[Path]) -> None:
    """Flush these folders' entries (the renames and creations in them), together."""
    _in_parallel(lambda folder: _fsync(folder, folder=True), sorted(set(folders)))


def sync_files(paths: Iterable[Path]) -> None:
    """Make files already in place durable: their contents, then each folder holding them."""
    files = list(paths)
    fsync_files(files)
    fsync_folders(path.parent for path in files)


def write_atomic(path: Path, data: bytes | Sequence[bytes], *, durable: bool = True, mode: int = 0o644) -> None:
    """Write ``data`` (bytes, or buffers one after another) to ``path`` whole or not at all: into a temporary
    file beside it, then renamed over it. ``durable`` flushes the file before the rename and the folder
    after it; without it a crash may lose the file, but never leaves a part of it. The folder is made if
    missing."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        fd = os.open(temporary, flags, mode)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, flags, mode)
    try:
        try:
            for buffer in [data] if isinstance(data, bytes | bytearray | memoryview) else data:
                view = memoryview(buffer)
                while view:
                    view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if durable:
        _fsync(path.parent, folder=True)


def _fsync(path: Path, *, folder: bool = False, after: AfterFlush | None = None) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | (os.O_DIRECTORY if folder else 0))
    try:
        os.fsync(fd)
        if after is not None:
            after(fd)
    finally:
        os.close(fd)


def _in_parallel(work: Callable[[Path], None], paths: list[Path]) -> None:
    if len(paths) <= 1:
        for path in paths:
            work(path)
        return
    for _ in _shared_pool().map(work, paths):
        pass


def _shared_pool() -> ThreadPoolExecutor:
    """One pool for every caller, made on first use (importing this module starts nothing)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_THREADS, thread_name_prefix="fsync")
        return _pool
