"""A file received straight into the archive's tmp folder, hashed as its bytes arrive.

A network face (STOW-RS) writes each incoming instance into a :class:`Spool` the archive hands out, so
storing it later is a rename of this very file: no second copy, no second pass to hash it. Closing it
starts its fsync in the background, so by the time the request's last part has arrived the first ones are
usually durable already; storing waits for that fsync before the rename. Until it is stored or discarded
it is an ordinary temp file, removed by the next open if the process dies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from imaging_hub.store.blobs import Received
from imaging_hub.store.header import InstanceHeader


class Spool:
    """Write the instance's bytes in order, ``close``, then give it to ``Archive.store_spooled``."""

    def __init__(self, path: Path, start_sync: Callable[[Path], Future[None]] | None = None) -> None:
        self.path = path
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close() or the archive's discard
        self._digest = hashlib.sha256()
        self._size = 0
        self._start_sync = start_sync
        self.synced: Future[None] | None = None  # the fsync started on close, if any
        self.header: InstanceHeader | None = None  # set by Archive.inspect, so the file is checked once

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._digest.update(data)
        self._file.write(data)
        self._size += len(data)
        return len(data)

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.close()
        if self._start_sync is not None:
            self.synced = self._start_sync(self.path)

    @property
    def closed(self) -> bool:
        return self._file.closed

    @property
    def size(self) -> int:
        return self._size

    def received(self) -> Received:
        """The finished file as the blob store knows received files (durable once ``synced`` is done)."""
        if not self._file.closed:
            raise ValueError("a spool must be closed before it is stored")
        return Received(self.path, self._size, self._digest.hexdigest(), self.synced)
