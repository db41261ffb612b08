"""Appending to the hash chain. Each entry's hash covers its content, its position and its predecessor's hash.

Appends from many processes are serialised by updating the single head row first: that takes the write lock
on SQLite and a row lock on PostgreSQL, so two appends can never claim the same position.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from imaging_hub.governance.clock import Clock
from imaging_hub.governance.tables import AuditEntry, AuditHead

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


def compute_hash(entry: AuditEntry, seq: int | None = None, prev_hash: str | None = None) -> str:
    """The hash an entry must carry; ``seq``/``prev_hash`` override the stored ones (to explain a reorder)."""
    body = {
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
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


class AuditTrail:
    """Append and read the audit trail held in the governance database."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def record(self, record: AuditRecord) -> int:
        """Append one entry; returns its sequence number."""
        if record.outcome not in OUTCOMES:
            raise ValueError(f"audit outcome must be one of {sorted(OUTCOMES)}, not {record.outcome!r}")
        now = self._clock()  # microseconds survive both backends exactly, so the hash can be recomputed
        with Session(self._engine) as session, session.begin():
            session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1))
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
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
            )
            entry.entry_hash = compute_hash(entry)
            session.add(entry)
            head.last_hash = entry.entry_hash
            return entry.seq

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
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def all_in_order(self) -> list[AuditEntry]:
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))

    def head(self) -> tuple[int, str]:
        with Session(self._engine) as session:
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            return head.last_seq, head.last_hash
