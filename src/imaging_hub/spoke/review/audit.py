"""The spoke's own audit of held-instance review: who looked at or decided what, over which interface,
and what came of it, refusals included. Rows carry de-identified UIDs only."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from imaging_hub.spoke.tables import review_audit


@dataclass(frozen=True)
class Reviewer:
    """A person at the spoke and the interface they came through (``web`` or ``cli``)."""

    name: str
    interface: str


@dataclass(frozen=True)
class ReviewAuditEntry:
    at: float
    reviewer: str
    interface: str
    action: str
    project_id: str
    deid_sop_uid: str
    outcome: str
    detail: str


def record(
    conn: Connection,
    who: Reviewer,
    action: str,
    outcome: str,
    project_id: str = "",
    deid_sop_uid: str = "",
    detail: str = "",
) -> None:
    conn.execute(
        insert(review_audit).values(
            at=time.time(),
            reviewer=who.name,
            interface=who.interface,
            action=action,
            project_id=project_id,
            deid_sop_uid=deid_sop_uid,
            outcome=outcome,
            detail=detail,
        )
    )


def review_audit_entries(conn: Connection, limit: int = 1000) -> list[ReviewAuditEntry]:
    """The latest entries, newest first."""
    rows = conn.execute(select(review_audit).order_by(review_audit.c.id.desc()).limit(limit)).all()
    return [
        ReviewAuditEntry(r.at, r.reviewer, r.interface, r.action, r.project_id, r.deid_sop_uid, r.outcome, r.detail)
        for r in rows
    ]
