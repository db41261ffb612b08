"""Group flushes: make many freshly written files durable together; and let go of their cached pages.

fsyncs issued at the same moment from several threads share the file system's journal commits, so a batch
of N files costs about one flush instead of N. The folders are synced too, so the renames that named the
files survive a power cut as well.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fsync")


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_files(paths: Iterable[Path]) -> None:
    """fsync every file (together), then each folder holding them. Raises OSError if any flush fails."""
    files = list(paths)
    if not files:
        return
    for done in [_pool.submit(_fsync, p) for p in files]:
        done.result()
    for done in [_pool.submit(_fsync, d, True) for d in {p.parent for p in files}]:
        done.result()


def drop_cached(paths: Iterable[Path]) -> None:
    """Tell the kernel the files' cached pages will not be read again (outbox files once delivered: they wait
    only for the hub's acknowledgement). Freed now, the pages serve the next files written; new ones cost more,
    most on a VM that gives freed memory back to its host. Durable (clean) pages only. Only a hint: a file
    that cannot be opened is skipped."""
    if not hasattr(os, "posix_fadvise"):  # not on macOS or Windows
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
