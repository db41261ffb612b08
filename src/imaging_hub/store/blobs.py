"""The blob store: Part 10 files kept byte for byte, written atomically under the data folder.

Layout (relative to the data folder):
  tmp/        files being received; a crash leaves them here and the next open removes them
  blobs/      indexed files, at a path derived from SOP Instance UID + content hash
  conflicts/  different content that arrived for an already indexed SOP Instance UID

Because the path is derived from UID and hash, a file renamed into place whose index commit was lost in a
crash is simply overwritten by the identical re-send, which then commits: exactly one indexed instance.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
_HOST = socket.gethostname()
_STALE_SECONDS = 24 * 3600  # temp files from other hosts sharing the folder are removed once this old


@dataclass(frozen=True)
class Received:
    """A fully written, fsynced temp file and what it holds."""

    temp: Path
    size: int
    sha256: str


class BlobStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir
        self.tmp = data_dir / "tmp"
        self.blobs = data_dir / "blobs"
        self.conflicts = data_dir / "conflicts"
        for folder in (self.tmp, self.blobs, self.conflicts):
            folder.mkdir(parents=True, exist_ok=True)

    # -- receiving -------------------------------------------------------------------------------------
    def _temp_path(self) -> Path:
        # Host and pid in the name let cleanup tell a crashed writer's file from a live one's.
        return self.tmp / f"{_HOST}~{os.getpid()}~{uuid.uuid4().hex}.part"

    def receive_stream(self, fp: BinaryIO) -> Received:
        temp = self._temp_path()
        digest = hashlib.sha256()
        size = 0
        try:
            with open(temp, "wb") as out:
                while chunk := fp.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Received(temp, size, digest.hexdigest())

    def receive_bytes(self, data: bytes | memoryview) -> Received:
        temp = self._temp_path()
        try:
            with open(temp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Received(temp, len(data), hashlib.sha256(data).hexdigest())

    def discard(self, received: Received) -> None:
        received.temp.unlink(missing_ok=True)

    # -- placing ---------------------------------------------------------------------------------------
    def blob_path(self, sop_instance_uid: str, sha256: str) -> str:
        """Relative path of an indexed file; UIDs are validated digits and dots, safe as file names."""
        fan = hashlib.sha256(sop_instance_uid.encode()).hexdigest()
        return f"blobs/{fan[:2]}/{fan[2:4]}/{sop_instance_uid}.{sha256[:16]}.dcm"

    def conflict_path(self, sop_instance_uid: str, sha256: str) -> str:
        return f"conflicts/{sop_instance_uid}.{sha256[:16]}.dcm"

    def place(self, received: Received, relative: str) -> Path:
        """Rename the temp file into place (replacing an identical orphan) and make the rename durable."""
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(received.temp, final)
        _fsync_dir(final.parent)
        return final

    def unlink(self, relative: str) -> None:
        path = self.root / relative
        path.unlink(missing_ok=True)

    def absolute(self, relative: str) -> Path:
        return self.root / relative

    # -- recovery --------------------------------------------------------------------------------------
    def remove_orphan_temps(self) -> int:
        """Delete temp files left by writers that died (this host: pid gone; other hosts: a day old)."""
        removed = 0
        now = time.time()
        for temp in self._temps():
            host, _, rest = temp.name.partition("~")
            pid_text = rest.partition("~")[0]
            stale = False
            if host == _HOST and pid_text.isdigit():
                stale = not _pid_alive(int(pid_text))
            else:
                with contextlib.suppress(FileNotFoundError):
                    stale = now - temp.stat().st_mtime > _STALE_SECONDS
            if stale:
                temp.unlink(missing_ok=True)
                removed += 1
        return removed

    def _temps(self) -> Iterator[Path]:
        return (p for p in self.tmp.iterdir() if p.name.endswith(".part"))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # our own files are in use by other threads
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
