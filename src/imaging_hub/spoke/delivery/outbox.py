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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy.engine import Connection

from imaging_hub.spoke.tables import instance

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


_DUE = (
    select(instance.c.project_id, instance.c.source_sop_uid, instance.c.deid_sop_uid, instance.c.deid_study_uid,
           instance.c.blob, instance.c.size, instance.c.attempts, instance.c.updated_at)
    .where(instance.c.state == DEIDENTIFIED, instance.c.next_attempt <= bindparam("now"))
    .order_by(instance.c.updated_at, literal_column("rowid"))
    .limit(bindparam("limit"))
)
# Each moves one item on, only if it is still in ``only_from``: executed once per item of a batch.
_ITEM = (instance.c.project_id == bindparam("p"), instance.c.source_sop_uid == bindparam("sop"),
         instance.c.state == bindparam("only_from"))
_SET_STATE = update(instance).where(*_ITEM).values(
    state=bindparam("to"), reason=bindparam("why"), updated_at=bindparam("now"))
_DEFER = update(instance).where(*_ITEM).values(
    attempts=instance.c.attempts + 1, next_attempt=bindparam("when"), reason=bindparam("why"))


def due(conn: Connection, limit: int, max_bytes: int, now: float | None = None) -> list[OutboxItem]:
    """The next batch to send: queued and due, oldest first, within count and byte limits (at least one)."""
    rows = conn.execute(_DUE, {"now": time.time() if now is None else now, "limit": limit}).all()
    batch: list[OutboxItem] = []
    total = 0
    for r in rows:
        if batch and total + r.size > max_bytes:
            break
        total += r.size
        batch.append(OutboxItem(r.project_id, r.source_sop_uid, r.deid_sop_uid, r.deid_study_uid,
                                Path(r.blob), r.size, r.attempts, r.updated_at))
    return batch


def next_due_at(conn: Connection) -> float | None:
    when = conn.scalar(select(func.min(instance.c.next_attempt)).where(instance.c.state == DEIDENTIFIED))
    return None if when is None else float(when)


def set_state(conn: Connection, items: list[OutboxItem], state: str, *, only_from: str = DEIDENTIFIED,
              reason: str = "") -> None:
    """Move items on, but only those still in ``only_from`` (a withdrawal meanwhile wins)."""
    if items:
        now = time.time()
        conn.execute(_SET_STATE, [{"to": state, "why": reason, "now": now, "p": i.project_id,
                                   "sop": i.source_sop_uid, "only_from": only_from} for i in items])


def defer(conn: Connection, items: list[OutboxItem], delay_s: float, reason: str) -> None:
    if items:
        when = time.time() + delay_s
        conn.execute(_DEFER, [{"when": when, "why": reason, "p": i.project_id, "sop": i.source_sop_uid,
                               "only_from": DEIDENTIFIED} for i in items])


def backlog(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(instance.c.state, func.count()).group_by(instance.c.state)).all()
    return {state: count for state, count in rows}
