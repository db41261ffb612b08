"""Withdrawal of a participant from a project: nothing new leaves, queued data is discarded, and the hub
is told (durably, retried until it answers) to remove what it already holds."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.state import transaction

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


def withdraw(conn: sqlite3.Connection, project_id: str, participant_id: str) -> int:
    """Record the withdrawal; return how many queued instances were discarded before leaving."""
    blobs: list[str] = []
    with transaction(conn):
        found = conn.execute(
            "UPDATE participant SET withdrawn_at = COALESCE(withdrawn_at, ?) WHERE project_id = ? AND"
            " participant_id = ? RETURNING 1", (time.time(), project_id, participant_id),
        ).fetchone()
        if found is None:
            raise WithdrawalError(f"participant {participant_id} is not enrolled in project {project_id}")
        for row in conn.execute(
            "UPDATE instance SET state = 'withdrawn', updated_at = ? WHERE project_id = ? AND participant_id = ?"
            " AND state != 'withdrawn' RETURNING state, blob", (time.time(), project_id, participant_id),
        ).fetchall():
            if row["blob"]:
                blobs.append(row["blob"])
        conn.execute(
            "INSERT INTO withdrawal(project_id, participant_id, requested_at) VALUES (?,?,?)"
            " ON CONFLICT(project_id, participant_id) DO UPDATE SET hub_notified_at = NULL, next_attempt = 0",
            (project_id, participant_id, time.time()),
        )
    for blob in blobs:
        Path(blob).unlink(missing_ok=True)
    log.info("project=%s participant=%s withdrawn; %d queued instance(s) discarded", project_id, participant_id,
             len(blobs))
    return len(blobs)


def pending_withdrawals(conn: sqlite3.Connection) -> list[PendingWithdrawal]:
    rows = conn.execute(
        "SELECT project_id, participant_id, attempts FROM withdrawal WHERE hub_notified_at IS NULL AND"
        " next_attempt <= ? ORDER BY requested_at", (time.time(),),
    ).fetchall()
    return [PendingWithdrawal(r[0], r[1], r[2]) for r in rows]


def withdrawal_request(conn: sqlite3.Connection, site_id: str, pending: PendingWithdrawal) -> WithdrawalRequest:
    studies = sorted({
        r[0] for r in conn.execute(
            "SELECT deid_study_uid FROM study WHERE project_id = ? AND participant_id = ? UNION"
            " SELECT deid_study_uid FROM instance WHERE project_id = ? AND participant_id = ?",
            (pending.project_id, pending.participant_id, pending.project_id, pending.participant_id),
        ) if r[0]
    })
    return WithdrawalRequest(site_id=site_id, project_id=pending.project_id,
                             participant_id=pending.participant_id, study_uids=studies)


def mark_notified(conn: sqlite3.Connection, pending: PendingWithdrawal, removed: int) -> None:
    conn.execute(
        "UPDATE withdrawal SET hub_notified_at = ?, hub_removed = ?, last_error = '' WHERE project_id = ? AND"
        " participant_id = ?", (time.time(), removed, pending.project_id, pending.participant_id),
    )


def mark_retry(conn: sqlite3.Connection, pending: PendingWithdrawal, delay_s: float, error: str) -> None:
    conn.execute(
        "UPDATE withdrawal SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE project_id = ? AND"
        " participant_id = ?", (time.time() + delay_s, error, pending.project_id, pending.participant_id),
    )
