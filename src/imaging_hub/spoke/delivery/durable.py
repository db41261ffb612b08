"""Letting go of delivered files' cached pages (their group flushes are ``imaging_hub.files.sync_files``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


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
