"""Withdrawal of a participant from a project: nothing new leaves, queued data is discarded, and the hub
is told (durably, retried until it answers) to remove what it already holds."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Update, func, select, union, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.state import transaction
from imaging_hub.spoke.tables import instance, participant, study, withdrawal

log = logging.getLogger(__name__)


class WithdrawalError(ImagingHubError, ValueError):
    pass


class WithdrawalRequest(BaseModel):
    """What the spoke sends the hub: pseudonymous IDs only."""

    site_id: str
    project_id: str
    participant_id: str
    study_uids: list[str]


class WithdrawalAnswer(BaseModel):
    removed_instances: int
    removed_studies: list[str]


@dataclass(frozen=True)
class PendingWithdrawal:
    project_id: str
    participant_id: str
    attempts: int


def withdraw(conn: Connection, project_id: str, participant_id: str) -> int:
    """Record the withdrawal; return how many queued instances were discarded before leaving."""
    blobs: list[str] = []
    with transaction(conn):
        found = conn.execute(
            update(participant)
            .where(participant.c.project_id == project_id, participant.c.participant_id == participant_id)
            .values(withdrawn_at=func.coalesce(participant.c.withdrawn_at, time.time()))
            .returning(participant.c.participant_id)
        ).first()
        if found is None:
            raise WithdrawalError(f"participant {participant_id} is not enrolled in project {project_id}")
        for row in conn.execute(
            update(instance)
            .where(instance.c.project_id == project_id, instance.c.participant_id == participant_id,
                   instance.c.state != "withdrawn")
            .values(state="withdrawn", updated_at=time.time())
            .returning(instance.c.blob)
        ).all():
            if row.blob:
                blobs.append(row.blob)
        conn.execute(
            insert(withdrawal)
            .values(project_id=project_id, participant_id=participant_id, requested_at=time.time())
            .on_conflict_do_update(index_elements=[withdrawal.c.project_id, withdrawal.c.participant_id],
                                   set_={"hub_notified_at": None, "next_attempt": 0})
        )
    for blob in blobs:
        Path(blob).unlink(missing_ok=True)
    log.info("project=%s participant=%s withdrawn; %d queued instance(s) discarded", project_id, participant_id,
             len(blobs))
    return len(blobs)


def pending_withdrawals(conn: Connection) -> list[PendingWithdrawal]:
    rows = conn.execute(
        select(withdrawal.c.project_id, withdrawal.c.participant_id, withdrawal.c.attempts)
        .where(withdrawal.c.hub_notified_at.is_(None), withdrawal.c.next_attempt <= time.time())
        .order_by(withdrawal.c.requested_at)
    ).all()
    return [PendingWithdrawal(r.project_id, r.participant_id, r.attempts) for r in rows]


def withdrawal_request(conn: Connection, site_id: str, pending: PendingWithdrawal) -> WithdrawalRequest:
    studies = sorted({
        uid for uid in conn.scalars(union(*(
            select(table.c.deid_study_uid)
            .where(table.c.project_id == pending.project_id, table.c.participant_id == pending.participant_id)
            for table in (study, instance)
        ))) if uid
    })
    return WithdrawalRequest(site_id=site_id, project_id=pending.project_id,
                             participant_id=pending.participant_id, study_uids=studies)


def mark_notified(conn: Connection, pending: PendingWithdrawal, removed: int) -> None:
    conn.execute(_pending(pending).values(hub_notified_at=time.time(), hub_removed=removed, last_error=""))


def mark_retry(conn: Connection, pending: PendingWithdrawal, delay_s: float, error: str) -> None:
    conn.execute(_pending(pending).values(attempts=withdrawal.c.attempts + 1, next_attempt=time.time() + delay_s,
                                          last_error=error))


def _pending(pending: PendingWithdrawal) -> Update:
    return update(withdrawal).where(withdrawal.c.project_id == pending.project_id,
                                    withdrawal.c.participant_id == pending.participant_id)
