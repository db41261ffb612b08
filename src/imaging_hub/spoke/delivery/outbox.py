"""The durable outbox: de-identified instances waiting for the hub, as files named by their new UIDs plus
rows in the spoke database that say where each one is.

States: deidentified (queued) -> delivered (the hub's STOW response referenced it) -> acknowledged (the
hub confirmed, by SOP Instance UID and content hash, that it holds it; the file is then deleted).
Also: quarantined (de-identification could not make it safe), failed (the hub refused it, with why),
withdrawn (the participant left the project).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEIDENTIFIED = "deidentified"
DELIVERED = "delivered"
ACKNOWLEDGED = "acknowledged"
QUARANTINED = "quarantined"
FAILED = "failed"
WITHDRAWN = "withdrawn"

_IOV_MAX = 1024  # buffers one writev may take (POSIX minimum is 16; Linux allows 1024)
_SPENT = ".spent"  # where earlier versions kept acknowledged files to be written over: removed at start


@dataclass(frozen=True)
class OutboxItem:
    project_id: str
    source_sop_uid: str
    deid_sop_uid: str
    deid_study_uid: str
    blob: Path
    size: int
    attempts: int
    queued_at: float = 0.0  # when it was queued or last moved on (time.time())


@dataclass(frozen=True)
class WrittenBlob:
    path: Path
    sha256: str
    size: int


class Outbox:
    """``writer`` names this writer's temporary files, so that its successor can clear what it left."""

    def __init__(self, directory: Path, fsync: bool = True, writer: str = "") -> None:
        self.directory = directory
        self._fsync = fsync
        self._writer = writer
        directory.mkdir(parents=True, exist_ok=True)

    def remove_stale(self, writer: str | None = None) -> None:
        """Temp files half-written by a process that died (never recorded): every writer's, at the pipeline's
        start before any worker runs, or one writer's, by its successor."""
        pattern = "*/.*.tmp" if writer is None else f"*/.*.{writer}-*.tmp"
        for stale in self.directory.glob(pattern):
            stale.unlink(missing_ok=True)
        if writer is None:
            shutil.rmtree(self.directory / _SPENT, ignore_errors=True)

    def write(self, project_id: str, deid_sop_uid: str, part10: bytes | Sequence[bytes]) -> WrittenBlob:
        """Write atomically (temp, rename). Not yet durable: the processor syncs a whole group with
        ``sync_files`` before it commits the rows, so one group of flushes serves many instances.

        ``part10`` may be the file as consecutive buffers (``encode_part10_buffers``): they are hashed and
        written as they are, with no joined copy of the file."""
        buffers = [part10] if isinstance(part10, bytes) else part10
        folder = self.directory / project_id
        final = folder / f"{deid_sop_uid}.dcm"
        tmp = folder / f".{deid_sop_uid}.{self._writer}-{secrets.token_hex(4)}.tmp"  # two may write the same one
        digest = hashlib.sha256()
        for buffer in buffers:
            digest.update(buffer)
        fd = _create(tmp)
        try:
            size = _write_all(fd, buffers)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk leaves nothing half-written behind
            raise
        finally:
            os.close(fd)
        os.replace(tmp, final)
        return WrittenBlob(final, digest.hexdigest(), size)

    @property
    def fsync(self) -> bool:
        return self._fsync


def _create(path: Path) -> int:
    """Open a new file for writing; its folder is made the first time (a project's first instance)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, flags, 0o666)


def _write_all(fd: int, buffers: Sequence[bytes]) -> int:
    """Write the buffers in order with as few system calls as the kernel allows; the bytes written."""
    pending = [memoryview(b).cast("B") for b in buffers if len(b)]
    total = sum(len(v) for v in pending)
    while pending:
        written = os.writev(fd, pending[:_IOV_MAX])
        while pending and written >= len(pending[0]):
            written -= len(pending.pop(0))
        if pending and written:
            pending[0] = pending[0][written:]
    return total


def due(conn: sqlite3.Connection, limit: int, max_bytes: int, now: float | None = None) -> list[OutboxItem]:
    """The next batch to send: queued and due, oldest first, within count and byte limits (at least one)."""
    rows = conn.execute(
        "SELECT project_id, source_sop_uid, deid_sop_uid, deid_study_uid, blob, size, attempts, updated_at"
        " FROM instance"
        " WHERE state = ? AND next_attempt <= ? ORDER BY updated_at, rowid LIMIT ?",
        (DEIDENTIFIED, time.time() if now is None else now, limit),
    ).fetchall()
    batch: list[OutboxItem] = []
    total = 0
    for r in rows:
        if batch and total + r["size"] > max_bytes:
            break
        total += r["size"]
        batch.append(OutboxItem(r["project_id"], r["source_sop_uid"], r["deid_sop_uid"], r["deid_study_uid"],
                                Path(r["blob"]), r["size"], r["attempts"], r["updated_at"]))
    return batch


def next_due_at(conn: sqlite3.Connection) -> float | None:
    row = conn.execute("SELECT MIN(next_attempt) FROM instance WHERE state = ?", (DEIDENTIFIED,)).fetchone()
    return None if row[0] is None else float(row[0])


def set_state(conn: sqlite3.Connection, items: list[OutboxItem], state: str, *, only_from: str = DEIDENTIFIED,
              reason: str = "") -> None:
    """Move items on, but only those still in ``only_from`` (a withdrawal meanwhile wins)."""
    now = time.time()
    conn.executemany(
        "UPDATE instance SET state = ?, reason = ?, updated_at = ? WHERE project_id = ? AND source_sop_uid = ?"
        " AND state = ?",
        [(state, reason, now, i.project_id, i.source_sop_uid, only_from) for i in items],
    )


def defer(conn: sqlite3.Connection, items: list[OutboxItem], delay_s: float, reason: str) -> None:
    when = time.time() + delay_s
    conn.executemany(
        "UPDATE instance SET attempts = attempts + 1, next_attempt = ?, reason = ? WHERE project_id = ? AND"
        " source_sop_uid = ? AND state = ?",
        [(when, reason, i.project_id, i.source_sop_uid, DEIDENTIFIED) for i in items],
    )


def backlog(conn: sqlite3.Connection) -> dict[str, int]:
    return {r[0]: r[1] for r in conn.execute("SELECT state, COUNT(*) FROM instance GROUP BY state")}
