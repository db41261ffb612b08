"""Exclusive lock files in the spoke's data folder: one spoke, and one pipeline, per folder.

flock locks go with the process: the kernel drops them when it dies, kill -9 included, so a lock never
outlives its holder and nothing needs clearing after a crash.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO


def try_lock(path: Path) -> IO[str] | None:
    """The open lock file, held until it is closed; None if another process holds it."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle
