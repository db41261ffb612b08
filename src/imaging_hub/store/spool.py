"""A file received straight into the archive's tmp folder, hashed as its bytes arrive.

A network face (STOW-RS) writes each incoming instance into a :class:`Spool` the archive hands out, so
storing it later is a rename of this very file: no second copy, no second pass to hash it. Storing fsyncs
it first, together with the other spools stored with it (in parallel, once the request is in): an fsync
started as each part closed ran beside the parsing of the next one, and the hand-offs of the interpreter
lock between the two cost more CPU than the early start saved in time. Until it is stored or discarded it
is an ordinary temp file, removed by the next open if the process dies.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from imaging_hub.store.blobs import Received
from imaging_hub.store.header import InstanceHeader


class Spool:
    """Write the instance's bytes in order, ``close``, then give it to ``Archive.store_spooled``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close() or the archive's discard
        self._digest = hashlib.sha256()
        self._size = 0
        self.header: InstanceHeader | None = None  # set by Archive.inspect, so the file is checked once

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._digest.update(data)
        self._file.write(data)
        self._size += len(data)
        return len(data)

    def close(self) -> None:
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed

    @property
    def size(self) -> int:
        return self._size

    def received(self) -> Received:
        """The finished file as the blob store knows received files (not yet fsynced)."""
        if not self._file.closed:
            raise ValueError("a spool must be closed before it is stored")
        return Received(self.path, self._size, self._digest.hexdigest())
