"""The intake buffer: identifiable instances as received, kept only until they are de-identified or dropped.

Files are written atomically (temp, fsync, rename) under random names that say nothing about the patient;
a file present here is work not yet done, so a crash loses nothing: the processor picks it up on restart.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path


class IntakeBuffer:
    """``on_arrival`` is called after each instance is safely buffered (the spoke wakes its pipeline process)."""

    def __init__(self, directory: Path, fsync: bool = True, on_arrival: Callable[[], None] | None = None) -> None:
        self.directory = directory
        self._tmp = directory / ".incoming"
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._fsync = fsync
        self._on_arrival = on_arrival

    def remove_stale(self) -> None:
        """At start, by the process that receives, before it does: half-written files of a receiver that died
        (never acknowledged to the sender, so never accepted)."""
        for stale in self._tmp.iterdir():
            stale.unlink(missing_ok=True)

    def put(self, part10: bytes) -> Path:
        name = f"{time.time_ns():020d}-{secrets.token_hex(6)}.dcm"
        tmp = self._tmp / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(part10)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if self._fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        final = self.directory / name
        os.replace(tmp, final)
        if self._on_arrival is not None:
            self._on_arrival()
        return final

    def pending(self, limit: int | None = None) -> list[Path]:
        """Oldest first (names start with the arrival time)."""
        names = sorted(e.name for e in os.scandir(self.directory) if e.is_file() and e.name.endswith(".dcm"))
        if limit is not None:
            names = names[:limit]
        return [self.directory / n for n in names]

    def count(self) -> int:
        return sum(1 for e in os.scandir(self.directory) if e.is_file() and e.name.endswith(".dcm"))
