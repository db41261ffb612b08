"""Spent files kept for a moment to be written over, as PostgreSQL recycles its WAL segments.

Every instance passes through the intake buffer as a new file of about its size, deleted once it is
de-identified, and through the outbox as another, deleted once the hub acknowledges it. Creating such a file
costs the kernel fresh page-cache pages, new blocks and an inode; on a virtual machine that hands freed memory
back to its host, each fresh page also costs a fault on the host (measured on the 2-vCPU bench machine:
0.1-1.7 ms of system time to write 0.5 MB into a new file, 0.02 ms over an existing one; with the pages
dropped after each flush, as the outbox does, 0.24-1.0 ms for a new file against 0.23-0.35 ms over a spent
one, whose blocks and inode are reused). Writing the next file over one just finished with saves that.

The pool is bounded and short-lived (the intake's because what it holds is identifiable): ``slots`` names,
taken in turn from a random start by each retiring process, a file retired into a filled slot replacing (so
deleting) the one there; files over ``MAX_BYTES`` are deleted at once; ``expire`` deletes those retired longer
ago than the caller allows, ``clear`` all of them. A file is claimed by renaming it away, so several processes
may retire and several threads take with no lock between them.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from pathlib import Path

SLOTS = 128  # the intake's: two workers' groups of files retired at once (processor.GROUP_SIZE)
MAX_BYTES = 2 * 1024 * 1024  # larger files (multi-frame, enhanced objects) are rare enough to create anew


class SpentFiles:
    def __init__(self, folder: Path, slots: int = SLOTS) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.slots = slots
        self._slot = random.randrange(slots)  # the next to retire into
        self._names: list[str] = []  # slots seen filled at the last listing, not yet tried
        self._lock = threading.Lock()

    def retire(self, path: Path) -> None:
        """Keep a finished file to be written over, or delete it; a file already gone is no error."""
        try:
            if os.stat(path).st_size <= MAX_BYTES:
                # rename() replaces what the slot held: the pool never grows past its slots
                self._slot = (self._slot + 1) % self.slots
                os.rename(path, self.folder / str(self._slot))
                return
            path.unlink()
        except FileNotFoundError:
            pass

    def take(self, destination: Path) -> int | None:
        """Move a spent file to ``destination`` and open it for writing from its start (the caller truncates it
        to what it wrote), or None when none is kept."""
        while True:
            with self._lock:
                if not self._names:
                    self._names = [entry.name for entry in os.scandir(self.folder)]  # a few µs, even empty
                    if not self._names:
                        return None
                name = self._names.pop()
            try:
                os.rename(self.folder / name, destination)
            except FileNotFoundError:
                if not destination.parent.is_dir():
                    raise  # the caller's folder is missing: every name would fail alike
                continue  # taken, expired or never refilled since the listing
            try:
                return os.open(destination, os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            except OSError:
                destination.unlink(missing_ok=True)  # not a plain file (a link): never written through

    def expire(self, older_than_s: float, now: float | None = None) -> int:
        """Delete the files retired more than ``older_than_s`` ago (a rename sets the change time); how many."""
        cutoff = (time.time() if now is None else now) - older_than_s
        removed = 0
        for entry in os.scandir(self.folder):
            with contextlib.suppress(FileNotFoundError):
                if entry.stat(follow_symlinks=False).st_ctime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
        return removed

    def clear(self) -> int:
        return self.expire(0.0, now=float("inf"))
