"""Group flushes: make many freshly written files durable together.

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

