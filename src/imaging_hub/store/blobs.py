"""The blob store: Part 10 files kept byte for byte, written atomically under the data folder.

Layout (relative to the data folder):
  tmp/        files being received; a crash leaves them here and the next open removes them
  blobs/      indexed files, at a path derived from Study + SOP Instance UID + content hash
  conflicts/  different content that arrived for an already indexed SOP Instance UID

Because the path is derived from the content (its UIDs and hash), a file renamed into place whose index
commit was lost in a crash (whole or not: it is renamed before it is flushed) is simply overwritten by the
identical re-send, which then commits: exactly one indexed instance.

The fan-out folder is chosen by a hash of the Study Instance UID, so a study's files share one folder and
storing a study needs one folder fsync rather than one per instance. Earlier versions fanned out by the SOP
Instance UID; their files stay where they are, because the index stores each file's path and every reader
goes through it. (An orphan such a version left in a crash before its index commit is not found by a
re-send under the new layout; the re-send is stored and indexed at its new path, still exactly once, and
the orphan is an unindexed file no reader sees.)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from imaging_hub.files import fsync_files, fsync_folders

CHUNK = 1 << 20
_HOST = socket.gethostname()
_STALE_SECONDS = 24 * 3600  # temp files from other hosts sharing the folder are removed once this old


@dataclass(frozen=True)
class Received:
    """A fully written temp file and what it holds (not yet flushed: ``sync_placed`` flushes it once placed)."""

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
    def new_temp_path(self) -> Path:
        """A fresh name in tmp/; host and pid in it let cleanup tell a crashed writer's file from a live one's."""
        return self.tmp / f"{_HOST}~{os.getpid()}~{uuid.uuid4().hex}.part"

    def receive_stream(self, fp: BinaryIO) -> Received:
        """Copy the stream to a temp file while hashing (not flushed: the archive flushes it once placed)."""
        temp = self.new_temp_path()
        digest = hashlib.sha256()
        size = 0
        try:
            with open(temp, "wb") as out:
                while chunk := fp.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Received(temp, size, digest.hexdigest())

    def receive_bytes(self, data: bytes | memoryview) -> Received:
        temp = self.new_temp_path()
        try:
            with open(temp, "wb") as out:
                out.write(data)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Received(temp, len(data), hashlib.sha256(data).hexdigest())

    def discard(self, received: Received) -> None:
        received.temp.unlink(missing_ok=True)

    # -- placing ---------------------------------------------------------------------------------------
    def blob_path(self, sop_instance_uid: str, sha256: str, study_instance_uid: str = "") -> str:
        """Relative path of an indexed file; UIDs are validated digits and dots, safe as file names.

        The archive always passes the study, so a study's files share a folder; without it the folder is
        chosen by the SOP Instance UID (the layout of earlier versions).
        """
        fan = hashlib.sha256((study_instance_uid or sop_instance_uid).encode()).hexdigest()
        return f"blobs/{fan[:2]}/{fan[2:4]}/{sop_instance_uid}.{sha256[:16]}.dcm"

    def conflict_path(self, sop_instance_uid: str, sha256: str) -> str:
        return f"conflicts/{sop_instance_uid}.{sha256[:16]}.dcm"

    def place(self, received: Received, relative: str) -> Path:
        """Rename the temp file into place, replacing an orphan a crash left at that path.

        The file is durable only once ``sync_placed`` has flushed it and ``sync_dirs`` the folders the rename
        touched; callers do both once for all the files of a group, before the commit is acknowledged.
        """
        final = self.root / relative
        try:
            os.replace(received.temp, final)
        except FileNotFoundError:
            if final.exists():
                return final  # a retried transaction: this file was renamed into place by the attempt that failed
            # A new fan-out folder (made here, not on every call: a study's files share their folder).
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(received.temp, final)
        return final

    def folders_to_sync(self, relative: str) -> list[Path]:
        """The folders whose entries change when ``relative`` is placed (new fan-out folders included)."""
        final = self.root / relative
        folders = [final.parent]
        parent = final.parent
        while not parent.exists() and parent != self.root:
            folders.append(parent.parent)
            parent = parent.parent
        return folders

    def sync_placed(self, files: list[Path]) -> None:
        """Make placed files' contents durable; concurrent fsyncs share the file system's journal commits."""
        fsync_files(files)

    def sync_dirs(self, folders: Iterable[Path]) -> None:
        """Make renames into these folders durable."""
        fsync_folders(folders)

    def whole(self, relative: str, size: int, sha256: str) -> bool:
        """Whether the file at ``relative`` holds exactly the content of that size and hash."""
        try:
            with open(self.root / relative, "rb") as f:
                if os.fstat(f.fileno()).st_size != size:
                    return False
                return hashlib.file_digest(f, "sha256").hexdigest() == sha256
        except FileNotFoundError:
            return False

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


