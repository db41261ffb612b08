"""Reconciliation per enrolled study: expected (from the PACS) vs received vs de-identified vs delivered vs
acknowledged, and what that means: complete, incomplete (with what is missing) or failed (with why).

The same report, keyed by the de-identified study UID and participant ID only, goes to the hub, which
answers with the instances it holds (by SOP Instance UID and content hash): that answer is the
acknowledgement, so an instance is only "acknowledged" when the hub has actually kept it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import Connection

from imaging_hub.spoke.tables import instance, participant, participant_lookup

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
    return "; acquisition findings: " + ", ".join(f"{n} {finding}" for finding, n in sorted(s.findings.items()))


# What became of each study's instances, counted in one pass (clearer as SQL than as an expression).
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
_COUNTS_ALL = text(_COUNTS.format(where=""))
_COUNTS_OF_PROJECT = text(_COUNTS.format(where="AND s.project_id = :project_id"))
_OF_STUDY = (instance.c.project_id == bindparam("p"), instance.c.source_study_uid == bindparam("study"))
_FAILED = ("failed", "quarantined")
_FAILURES = (select(instance.c.reason, func.count()).where(*_OF_STUDY, instance.c.state.in_(_FAILED))
             .group_by(instance.c.reason))
_FINDINGS = (select(instance.c.finding, func.count())
             .where(*_OF_STUDY, instance.c.finding != "", instance.c.state.not_in((*_FAILED, "withdrawn")))
             .group_by(instance.c.finding))
_CHECKS = select(instance.c.deid_sop_uid, instance.c.sha256).where(*_OF_STUDY, instance.c.state == "delivered")


def study_reports(
    conn: Connection, project_id: str | None = None, with_checks: bool = False
) -> list[StudyReport]:
    reports = []
    counts = conn.execute(_COUNTS_OF_PROJECT, {"project_id": project_id}) if project_id else conn.execute(_COUNTS_ALL)
    for r in counts.all():
        report = StudyReport(
            project_id=r.project_id, participant_id=r.participant_id, study_uid=r.deid_study_uid,
            expected_instances=r.expected_instances, expected_series=r.expected_series,
            received=r.received or 0, deidentified=r.deidentified or 0, delivered=r.delivered or 0,
            acknowledged=r.acknowledged or 0, failed=r.failed or 0, retrieve_error=r.retrieve_error,
            retrieve_attempts=r.retrieve_attempts,
        )
        of_study = {"p": r.project_id, "study": r.source_study_uid}
        if report.failed:
            report.failures = {reason: n for reason, n in conn.execute(_FAILURES, of_study)}
        if r.with_findings:
            report.findings = {finding: n for finding, n in conn.execute(_FINDINGS, of_study)}
        if with_checks and report.delivered > report.acknowledged:
            report.check = {uid: sha256 for uid, sha256 in conn.execute(_CHECKS, of_study)}
        reports.append(report)
    return reports + _not_found(conn, project_id)


def _not_found(conn: Connection, project_id: str | None) -> list[StudyReport]:
    """Participants the PACS query found nothing for, as study-less failed rows that say why."""
    lookup, p = participant_lookup, participant
    query = (
        select(lookup.c.project_id, lookup.c.participant_id, lookup.c.outcome, lookup.c.attempts)
        .join(p, (p.c.project_id == lookup.c.project_id) & (p.c.participant_id == lookup.c.participant_id))
        .where(lookup.c.outcome != "", p.c.withdrawn_at.is_(None))
        .order_by(lookup.c.project_id, lookup.c.participant_id)
    )
    if project_id:
        query = query.where(lookup.c.project_id == project_id)
    return [StudyReport(project_id=r.project_id, participant_id=r.participant_id, study_uid="",
                        retrieve_error=r.outcome, retrieve_attempts=r.attempts) for r in conn.execute(query)]


# Each moves one delivered instance (named by its de-identified UID, as the hub names it) on.
_DELIVERED = update(instance).where(
    instance.c.project_id == bindparam("p"), instance.c.deid_sop_uid == bindparam("sop"),
    instance.c.state == "delivered",
)
_CONFLICTING = _DELIVERED.values(state="failed", reason="hub holds different content under this SOP Instance UID")
_ACKNOWLEDGE = _DELIVERED.values(state="acknowledged", updated_at=bindparam("now")).returning(instance.c.blob)
_REQUEUE = _DELIVERED.values(state="deidentified", next_attempt=0)


def apply_answer(conn: Connection, reports: Iterable[StudyReport], answer: ReconciliationAnswer) -> tuple[
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
            which = {"p": report.project_id, "sop": sop_uid}
            if sop_uid in clashes:
                conn.execute(_CONFLICTING, which)
            elif sop_uid in holds:
                blob = conn.scalar(_ACKNOWLEDGE, {**which, "now": time.time()})
                if blob:
                    blobs.append(blob)
            else:
                requeued += conn.execute(_REQUEUE, which).rowcount
    return blobs, requeued
