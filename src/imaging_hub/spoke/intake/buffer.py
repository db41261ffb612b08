"""The intake buffer: identifiable instances as received, kept only until they are de-identified or dropped.

Files are written under a temporary name, renamed into place, then flushed with their folder before the
sender is told they are stored: a half-written file is never seen under its final name, and an acknowledged
one survives a power cut as well as a crash. Names are random and say nothing about the patient; a file
present here is work not yet done, picked up again on restart. A file whose work is recorded is deleted at
once: nothing identifiable is kept once it is de-identified or dropped.

Several de-identification workers share the buffer without talking to each other: a name's random part puts
it in one of ``n`` shares (``Share(k, n)``), and worker k takes only the files of share k.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

_TIME_DIGITS = 20  # a name is "<20-digit arrival time in ns>-<12 random hex digits>.dcm"
_RANDOM_AT = _TIME_DIGITS + 1
_SPENT = ".spent"  # where earlier versions kept finished files to be written over: removed at start


class Share(NamedTuple):
    """Part ``part`` (counted from 0) of ``parts`` equal parts of the buffer."""

    part: int
    parts: int

    def holds(self, name: str) -> bool:
        if self.parts <= 1:
            return True
        try:
            return int(name[_RANDOM_AT:_RANDOM_AT + 8], 16) % self.parts == self.part
        except ValueError:  # not a name we gave: the first share takes it
            return self.part == 0


EVERYTHING = Share(0, 1)


class IntakeBuffer:
    """``on_arrival`` is called after each instance is safely buffered (the spoke wakes its pipeline process)."""

    def __init__(self, directory: Path, fsync: bool = True, on_arrival: Callable[[], None] | None = None) -> None:
        self.directory = directory
        self._tmp = directory / ".incoming"
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._fsync = fsync
        self._on_arrival = on_arrival
        self._folder_fd = -1  # opened by the first put and kept: every acknowledged instance flushes the folder
        self._folder_lock = threading.Lock()

    def remove_stale(self) -> None:
        """At start, by the process that receives, before it does: half-written files of a receiver that died
        (never acknowledged to the sender, so never accepted)."""
        for stale in self._tmp.iterdir():
            stale.unlink(missing_ok=True)
        shutil.rmtree(self.directory / _SPENT, ignore_errors=True)

    def put(self, part10: bytes) -> Path:
        name = f"{time.time_ns():020d}-{secrets.token_hex(6)}.dcm"
        tmp = self._tmp / name
        final = self.directory / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            try:
                view = memoryview(part10)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
            except OSError:
                tmp.unlink(missing_ok=True)  # a full disk leaves nothing half-written behind
                raise
            os.replace(tmp, final)
            if self._fsync:
                with self._folder_lock:
                    if self._folder_fd < 0:
                        self._folder_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
                # Renamed first, then flushed: on journalling file systems the file's flush commits the
                # rename with it, so the folder's flush after it finds little left to do.
                os.fsync(fd)
                os.fsync(self._folder_fd)
        finally:
            os.close(fd)
        if self._on_arrival is not None:
            self._on_arrival()
        return final

    def remove(self, path: Path) -> None:
        """A file's work is recorded: it leaves the buffer now (a file already gone is no error)."""
        path.unlink(missing_ok=True)

    def pending_names(self, share: Share = EVERYTHING) -> list[str]:
        """The names of the files waiting in ``share``, oldest first (names start with the arrival time)."""
        return sorted(entry.name for entry in os.scandir(self.directory)
                      if _buffered(entry) and share.holds(entry.name))

    def pending(self, limit: int | None = None, share: Share = EVERYTHING) -> list[Path]:
        """The files waiting in ``share``, oldest first."""
        return [self.directory / name for name in self.pending_names(share)[:limit]]

    def oldest_arrival(self) -> float | None:
        """When the oldest file still waiting arrived (time.time() seconds), or None if none waits."""
        for name in self.pending_names():  # oldest first
            if name[:_TIME_DIGITS].isdigit():
                return int(name[:_TIME_DIGITS]) / 1e9
        return None

    def waiting(self) -> bool:
        return files_waiting(self.directory)

    def count(self) -> int:
        return sum(1 for entry in os.scandir(self.directory) if _buffered(entry))


def files_waiting(directory: Path) -> bool:
    """Whether any file waits in the intake buffer at ``directory`` (stops at the first it sees); for
    processes that only watch the buffer."""
    return any(_buffered(entry) for entry in os.scandir(directory))


def _buffered(entry: os.DirEntry[str]) -> bool:
    """A buffered instance, not the folder of files still being written."""
    return entry.name.endswith(".dcm") and entry.is_file()
