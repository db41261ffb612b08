"""Reconciliation per enrolled study: expected (from the PACS) vs received vs de-identified vs delivered vs
acknowledged, and what that means: complete, incomplete (with what is missing) or failed (with why).

The same report, keyed by the de-identified study UID and participant ID only, goes to the hub, which
answers with the instances it holds (by SOP Instance UID and content hash): that answer is the
acknowledgement, so an instance is only "acknowledged" when the hub has actually kept it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

StudyStatus = Literal["complete", "incomplete", "failed"]

RETRIEVE_GIVE_UP = 6  # the spoke stops retrying a study's retrieve after this many failures in a row
NOT_FOUND_BY_NHS_NUMBER = "not found in PACS by NHS number"
NOT_FOUND_BY_LOCAL_ID = "not found in PACS by local patient ID"
LOOKUP_FAILED = "PACS lookup failed"


class StudyReport(BaseModel):
    project_id: str
    participant_id: str
    study_uid: str  # de-identified
    expected_instances: int | None = None
    expected_series: int | None = None
    received: int = 0
    deidentified: int = 0
    delivered: int = 0
    acknowledged: int = 0
    failed: int = 0
    failures: dict[str, int] = Field(default_factory=dict)  # reason -> instances
    findings: dict[str, int] = Field(default_factory=dict)  # acquisition checks that warned -> instances
    retrieve_error: str = ""
    retrieve_attempts: int = 0  # failed retrieves in a row; below RETRIEVE_GIVE_UP the spoke tries again
    check: dict[str, str] = Field(default_factory=dict)  # delivered, unacknowledged: SOP UID -> sha256

    @property
    def status(self) -> StudyStatus:
        return classify(self)[0]

    @property
    def detail(self) -> str:
        return classify(self)[1]


class ReconciliationReport(BaseModel):
    site_id: str
    studies: list[StudyReport]


class HeldStudy(BaseModel):
    project_id: str
    study_uid: str
    held: list[str] = Field(default_factory=list)  # of the report's check list, those the hub holds
    conflicting: list[str] = Field(default_factory=list)  # the hub holds that UID with other content
    hub_instances: int = 0


class ReconciliationAnswer(BaseModel):
    studies: list[HeldStudy]


def classify(s: StudyReport) -> tuple[StudyStatus, str]:
    """Status and a one-line account of what is missing or went wrong."""
    retrying = bool(s.retrieve_error) and 0 < s.retrieve_attempts < RETRIEVE_GIVE_UP
    if not s.study_uid:  # a participant the PACS query found nothing for, or could not be asked about
        if retrying:
            return "incomplete", f"failed {s.retrieve_attempts} time(s), retrying: {s.retrieve_error}"
        return "failed", s.retrieve_error or "no study found in the PACS"
    if s.failed or (s.retrieve_error and not retrying):
        why = [f"{n} {reason}" for reason, n in sorted(s.failures.items())]
        if s.retrieve_error:
            why.insert(0, f"retrieve failed: {s.retrieve_error}")
        return "failed", "; ".join(why)
    expected = s.expected_instances
    target = expected if expected is not None else s.received
    if target and s.acknowledged >= target:
        note = "" if expected is not None else " (expected count unknown: not queried from the PACS)"
        return "complete", f"{s.acknowledged} of {target} acknowledged by the hub{note}{_findings_note(s)}"
    missing = []
    if expected is not None and s.received < expected:
        missing.append(f"{expected - s.received} not yet received from the PACS")
    if s.received > s.deidentified:
        missing.append(f"{s.received - s.deidentified} awaiting de-identification")
    if s.deidentified > s.delivered:
        missing.append(f"{s.deidentified - s.delivered} awaiting delivery")
    if s.delivered > s.acknowledged:
        missing.append(f"{s.delivered - s.acknowledged} awaiting hub acknowledgement")
    if retrying:
        missing.insert(0, f"retrieve failed {s.retrieve_attempts} time(s), retrying: {s.retrieve_error}")
    return "incomplete", ("; ".join(missing) or "nothing received yet") + _findings_note(s)


def _findings_note(s: StudyReport) -> str:
    if not s.findings:
        return ""
    return "; acquisition findings: " + ", ".join(f"{n} {text}" for text, n in sorted(s.findings.items()))


_COUNTS = """
SELECT s.project_id, s.participant_id, s.deid_study_uid, s.source_study_uid, s.expected_instances,
       s.expected_series, s.retrieve_error, s.retrieve_attempts,
       COUNT(i.source_sop_uid) AS received,
       SUM(i.state IN ('deidentified', 'delivered', 'acknowledged')) AS deidentified,
       SUM(i.state IN ('delivered', 'acknowledged')) AS delivered,
       SUM(i.state = 'acknowledged') AS acknowledged,
       SUM(i.state IN ('failed', 'quarantined')) AS failed,
       SUM(i.finding != '' AND i.state NOT IN ('failed', 'quarantined')) AS with_findings
FROM study s LEFT JOIN instance i
  ON i.project_id = s.project_id AND i.source_study_uid = s.source_study_uid AND i.state != 'withdrawn'
LEFT JOIN participant p ON p.project_id = s.project_id AND p.participant_id = s.participant_id
WHERE p.withdrawn_at IS NULL {where}
GROUP BY s.project_id, s.source_study_uid
ORDER BY s.project_id, s.participant_id, s.deid_study_uid
"""


def study_reports(
    conn: sqlite3.Connection, project_id: str | None = None, with_checks: bool = False
) -> list[StudyReport]:
    where, args = ("AND s.project_id = ?", [project_id]) if project_id else ("", [])
    reports = []
    for r in conn.execute(_COUNTS.format(where=where), args).fetchall():
        report = StudyReport(
            project_id=r["project_id"], participant_id=r["participant_id"], study_uid=r["deid_study_uid"],
            expected_instances=r["expected_instances"], expected_series=r["expected_series"],
            received=r["received"] or 0, deidentified=r["deidentified"] or 0, delivered=r["delivered"] or 0,
            acknowledged=r["acknowledged"] or 0, failed=r["failed"] or 0, retrieve_error=r["retrieve_error"],
            retrieve_attempts=r["retrieve_attempts"],
        )
        if report.failed:
            report.failures = {
                f[0]: f[1] for f in conn.execute(
                    "SELECT reason, COUNT(*) FROM instance WHERE project_id = ? AND source_study_uid = ? AND"
                    " state IN ('failed', 'quarantined') GROUP BY reason", (r["project_id"], r["source_study_uid"]),
                )
            }
        if r["with_findings"]:
            report.findings = {
                f[0]: f[1] for f in conn.execute(
                    "SELECT finding, COUNT(*) FROM instance WHERE project_id = ? AND source_study_uid = ? AND"
                    " finding != '' AND state NOT IN ('failed', 'quarantined', 'withdrawn') GROUP BY finding",
                    (r["project_id"], r["source_study_uid"]),
                )
            }
        if with_checks and report.delivered > report.acknowledged:
            report.check = {
                c[0]: c[1] for c in conn.execute(
                    "SELECT deid_sop_uid, sha256 FROM instance WHERE project_id = ? AND source_study_uid = ? AND"
                    " state = 'delivered'", (r["project_id"], r["source_study_uid"]),
                )
            }
        reports.append(report)
    return reports + _not_found(conn, project_id)


def _not_found(conn: sqlite3.Connection, project_id: str | None) -> list[StudyReport]:
    """Participants the PACS query found nothing for, as study-less failed rows that say why."""
    where, args = ("AND l.project_id = ?", [project_id]) if project_id else ("", [])
    rows = conn.execute(
        "SELECT l.project_id, l.participant_id, l.outcome, l.attempts FROM participant_lookup l JOIN participant p"
        " ON p.project_id = l.project_id AND p.participant_id = l.participant_id"
        f" WHERE l.outcome != '' AND p.withdrawn_at IS NULL {where} ORDER BY l.project_id, l.participant_id", args,
    ).fetchall()
    return [StudyReport(project_id=r[0], participant_id=r[1], study_uid="", retrieve_error=r[2], retrieve_attempts=r[3])
            for r in rows]


def apply_answer(conn: sqlite3.Connection, reports: Iterable[StudyReport], answer: ReconciliationAnswer) -> tuple[
    list[str], int
]:
    """Mark what the hub holds as acknowledged (returning their outbox files to remove) and put what it
    does not hold back in the queue. Caller holds the transaction."""
    held = {(h.project_id, h.study_uid): set(h.held) for h in answer.studies}
    conflicting = {(h.project_id, h.study_uid): set(h.conflicting) for h in answer.studies}
    blobs: list[str] = []
    requeued = 0
    for report in reports:
        holds = held.get((report.project_id, report.study_uid))
        if holds is None or not report.study_uid:
            continue  # the hub did not answer for this study: ask again next time
        clashes = conflicting.get((report.project_id, report.study_uid), set())
        for sop_uid in report.check:
            if sop_uid in clashes:
                conn.execute(
                    "UPDATE instance SET state = 'failed', reason = ? WHERE project_id = ? AND deid_sop_uid = ?"
                    " AND state = 'delivered'",
                    ("hub holds different content under this SOP Instance UID", report.project_id, sop_uid),
                )
            elif sop_uid in holds:
                row = conn.execute(
                    "UPDATE instance SET state = 'acknowledged', updated_at = ? WHERE project_id = ? AND"
                    " deid_sop_uid = ? AND state = 'delivered' RETURNING blob",
                    (time.time(), report.project_id, sop_uid),
                ).fetchone()
                if row is not None and row[0]:
                    blobs.append(row[0])
            else:
                cursor = conn.execute(
                    "UPDATE instance SET state = 'deidentified', next_attempt = 0 WHERE project_id = ? AND"
                    " deid_sop_uid = ? AND state = 'delivered'", (report.project_id, sop_uid),
                )
                requeued += cursor.rowcount
    return blobs, requeued
