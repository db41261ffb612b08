"""Appending to the hash chain. Each entry's hash covers its content, its position and its predecessor's hash.

With audit keys (``AuditKeys``) the hash is an HMAC-SHA256 under the current key, whose id the entry records,
so nobody without the key folder can write an entry that verifies. Entries written before the chain was
keyed keep their plain SHA-256; the first keyed entry links to the last of them.

Appends from many processes are serialised by updating the single head row first: that takes the write lock
on SQLite and a row lock on PostgreSQL, so two appends can never claim the same position.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from imaging_hub.governance.audit.checkpoint import CHECKPOINT_EVERY, Checkpoint, make_checkpoint, write_checkpoint
from imaging_hub.governance.audit.keys import AuditKeyError, AuditKeys
from imaging_hub.governance.clock import Clock
from imaging_hub.governance.tables import AuditedStore, AuditEntry, AuditHead

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
OUTCOMES = frozenset({"success", "denied", "failed", "error"})  # error: the request ended in a 500


@dataclass(frozen=True)
class AuditRecord:
    """What happened: who, from where, what (UIDs and governance ids, never identities), purpose, outcome."""

    actor: str
    action: str
    entity_type: str
    entity_id: str
    actor_kind: str = "person"
    address: str = ""
    project: str = ""
    purpose: str = ""
    outcome: str = "success"
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." e.g. "agreement."
    project: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200
    offset: int = 0
    before: int | None = None  # only entries older than this sequence number: pages that stay put as entries arrive


def canonical_detail(detail: Mapping[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def compute_hash(entry: AuditEntry, seq: int | None = None, prev_hash: str | None = None,
                 key: bytes | None = None) -> str:
    """The hash an entry must carry; ``seq``/``prev_hash`` override the stored ones (to explain a reorder);
    ``key``: the HMAC key named by the entry's ``key_id`` (a keyed entry's hash covers the id too)."""
    body: dict[str, object] = {
        "seq": entry.seq if seq is None else seq,
        "recorded_at": entry.recorded_at.isoformat(),
        "actor": entry.actor,
        "actor_kind": entry.actor_kind,
        "address": entry.address,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "project": entry.project,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash if prev_hash is None else prev_hash,
    }
    if entry.key_id is not None:
        body["key_id"] = entry.key_id
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    if key is not None:
        return hmac.new(key, payload, hashlib.sha256).hexdigest()
    return hashlib.sha256(payload).hexdigest()


class AuditTrail:
    """Append and read the audit trail held in the governance database."""

    def __init__(self, engine: Engine, clock: Clock, keys: AuditKeys | None = None,
                 checkpoints: Path | None = None, reader: Engine | None = None) -> None:
        """``engine`` appends; ``reader`` (``engine`` unless given) reads. ``keys``: key the chain (HMAC) and
        sign checkpoints; ``checkpoints``: where the periodic ones go."""
        self._engine = engine
        self._reader = reader or engine
        self._clock = clock
        self.keys = keys
        self._checkpoints = checkpoints

    def record(self, record: AuditRecord, stored: Sequence[str] = ()) -> int:
        """Append one entry; returns its sequence number. ``stored``: the SOP Instance UIDs this entry records
        as newly stored (not resends), tied to it in the same transaction (see ``settle_stored``)."""
        if record.outcome not in OUTCOMES:
            raise ValueError(f"audit outcome must be one of {sorted(OUTCOMES)}, not {record.outcome!r}")
        now = self._clock()  # microseconds survive both backends exactly, so the hash can be recomputed
        with Session(self._engine) as session, session.begin():
            session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1))
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            if self.keys is None and head.last_seq > 1 and session.scalar(
                    select(AuditEntry.key_id).where(AuditEntry.seq == head.last_seq - 1)) is not None:
                # an unkeyed entry after keyed ones would read as forged: whoever opened this needs the keys
                raise AuditKeyError("this audit trail is keyed: open governance with its audit key folder")
            entry = AuditEntry(
                seq=head.last_seq,
                recorded_at=now,
                actor=record.actor[:254],
                actor_kind=record.actor_kind,
                address=record.address[:64],
                action=record.action,
                entity_type=record.entity_type,
                entity_id=record.entity_id[:200],
                project=record.project,
                purpose=record.purpose[:200],
                outcome=record.outcome,
                detail=canonical_detail(record.detail),
                prev_hash=head.last_hash,
                key_id=self.keys.current_id if self.keys else None,
            )
            entry.entry_hash = compute_hash(entry, key=self.keys.hmac_key(self.keys.current_id) if self.keys else None)
            session.add(entry)
            if stored:
                session.execute(insert(AuditedStore), [{"sop_instance_uid": uid, "audit_seq": entry.seq}
                                                       for uid in stored])
            head.last_hash = entry.entry_hash
            seq, entry_hash = entry.seq, entry.entry_hash
        if self._checkpoints is not None and self.keys is not None and seq % CHECKPOINT_EVERY == 0:
            try:
                write_checkpoint(self._checkpoints / f"audit-{seq:012d}.json",
                                 make_checkpoint(self.keys, seq, entry_hash, now))
            except OSError as exc:  # the entry is recorded; the next periodic checkpoint covers it
                log.error("could not write the audit checkpoint at entry %d: %s", seq, exc.strerror)
        return seq

    def checkpoint(self) -> Checkpoint:
        """A signed checkpoint of the chain's head now (needs audit keys)."""
        if self.keys is None:
            raise ValueError("the audit chain has no keys: checkpoints need an audit key folder")
        seq, entry_hash = self.head()
        return make_checkpoint(self.keys, seq, entry_hash, self._clock())

    def entries(self, where: AuditFilter | None = None) -> Sequence[AuditEntry]:
        """Entries newest first, filtered."""
        where = where or AuditFilter()
        query = select(AuditEntry).order_by(AuditEntry.seq.desc())
        if where.actor:
            query = query.where(AuditEntry.actor == where.actor)
        if where.action:
            if where.action.endswith("."):
                query = query.where(AuditEntry.action.startswith(where.action, autoescape=True))
            else:
                query = query.where(AuditEntry.action == where.action)
        if where.project:
            query = query.where(AuditEntry.project == where.project)
        if where.outcome:
            query = query.where(AuditEntry.outcome == where.outcome)
        if where.since:
            query = query.where(AuditEntry.recorded_at >= where.since)
        if where.until:
            query = query.where(AuditEntry.recorded_at < where.until)
        if where.before is not None:
            query = query.where(AuditEntry.seq < where.before)
        query = query.limit(max(1, min(where.limit, 5000))).offset(max(0, where.offset))
        with Session(self._reader, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def all_in_order(self) -> list[AuditEntry]:
        with Session(self._reader, expire_on_commit=False) as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))

    def head(self) -> tuple[int, str]:
        with Session(self._reader) as session:
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            return head.last_seq, head.last_hash
