"""Exclusive lock files in the spoke's data folder: one spoke, one pipeline and one worker per share, per
folder.

flock locks go with the process: the kernel drops them when it dies, kill -9 included, so a lock never
outlives its holder and nothing needs clearing after a crash.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol


class Stop(Protocol):
    def wait(self, timeout: float | None = None) -> bool: ...


def try_lock(path: Path) -> IO[str] | None:
    """The open lock file, held until it is closed; None if another process holds it."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


@contextlib.contextmanager
def held_lock(path: Path, stop: Stop, poll_s: float = 0.2) -> Iterator[bool]:
    """Wait for the lock (a predecessor left over from a killed parent is let finish leaving first) and hold
    it for the block; the block is given False if ``stop`` was set before the lock came free."""
    handle = try_lock(path)
    while handle is None and not stop.wait(poll_s):
        handle = try_lock(path)
    try:
        yield handle is not None
    finally:
        if handle is not None:
            handle.close()
