"""From intake buffer to outbox: decide, de-identify with the project's profile and key, queue.

Work is done in small batches: de-identified files are written first, then one transaction records the
decisions and outbox rows, and only then are the intake files removed. A crash anywhere repeats the batch,
and the (project, source SOP Instance UID) key makes the repeat a no-op, so nothing is lost or doubled.
"""

from __future__ import annotations

import hashlib
import io
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from imaging_hub.deid import Quarantined
from imaging_hub.spoke.gatekeeper import Decision, Gatekeeper
from imaging_hub.spoke.identity import InstanceIdentity
from imaging_hub.spoke.intake import IntakeBuffer
from imaging_hub.spoke.outbox import DEIDENTIFIED, QUARANTINED, Outbox
from imaging_hub.spoke.projects import ProjectDeidentifiers
from imaging_hub.spoke.state import transaction

log = logging.getLogger(__name__)

UNREADABLE = "unreadable DICOM"


@dataclass
class BatchResult:
    queued: int = 0
    dropped: int = 0
    quarantined: int = 0
    duplicates: int = 0
    dropped_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class _Row:
    project_id: str
    source_sop_uid: str
    source_study_uid: str
    source_sha256: str
    participant_id: str
    deid_study_uid: str
    deid_sop_uid: str = ""
    state: str = DEIDENTIFIED
    reason: str = ""
    blob: str = ""
    sha256: str = ""
    size: int = 0


class Processor:
    def __init__(
        self, conn: sqlite3.Connection, intake: IntakeBuffer, outbox: Outbox, gatekeeper: Gatekeeper,
        deidentifiers: ProjectDeidentifiers,
    ) -> None:
        self._conn = conn
        self._intake = intake
        self._outbox = outbox
        self._gatekeeper = gatekeeper
        self._deid = deidentifiers

    def run_once(self, batch_size: int = 32) -> BatchResult:
        result = BatchResult()
        paths = self._intake.pending(batch_size)
        if not paths:
            return result
        rows: list[_Row] = []
        decided: list[tuple[InstanceIdentity, list[Decision]]] = []
        for path in paths:
            self._process_file(path, rows, decided, result)
        with transaction(self._conn):
            for who, decisions in decided:
                self._gatekeeper.record(self._conn, who, decisions)
            for row in rows:
                self._upsert(row)
        for path in paths:
            path.unlink(missing_ok=True)
        return result

    def _process_file(
        self, path: Path, rows: list[_Row], decided: list[tuple[InstanceIdentity, list[Decision]]],
        result: BatchResult,
    ) -> None:
        data = path.read_bytes()
        try:
            ds = pydicom.dcmread(io.BytesIO(data))
            who = InstanceIdentity.of(ds)
            if not who.sop_uid or not who.study_uid:
                raise InvalidDicomError("missing SOPInstanceUID or StudyInstanceUID")
        except Exception:  # anything unparsable is dropped, counted, never forwarded
            who = InstanceIdentity("", frozenset(), "", "", "", "")
            decided.append((who, [Decision("", None, UNREADABLE)]))
            _count(result, UNREADABLE)
            return
        decisions = self._gatekeeper.decide(self._conn, who)
        decided.append((who, decisions))
        source_sha = hashlib.sha256(data).hexdigest()
        first = True
        for decision in decisions:
            if not decision.accepted or decision.participant is None:
                _count(result, decision.reason)
                continue
            if self._already_queued(decision.project_id, who.sop_uid, source_sha):
                result.duplicates += 1
                continue
            if not first:
                ds = pydicom.dcmread(io.BytesIO(data))  # each project de-identifies its own copy
            first = False
            rows.append(self._deidentify(ds, who, decision, source_sha, result))

    def _deidentify(
        self, ds: Dataset, who: InstanceIdentity, decision: Decision, source_sha: str, result: BatchResult
    ) -> _Row:
        assert decision.participant is not None
        project_id = decision.project_id
        deid = self._deid[project_id]
        row = _Row(project_id, who.sop_uid, who.study_uid, source_sha, decision.participant.participant_id,
                   deid.uid(who.study_uid))
        try:
            outcome = deid.deidentify(ds, subject_id=decision.participant.participant_id)
        except Quarantined as exc:
            row.state, row.reason = QUARANTINED, f"quarantined by de-identification: {exc}"
            result.quarantined += 1
            log.warning("project=%s instance quarantined: %s", project_id, exc)
            return row
        out = io.BytesIO()
        outcome.dataset.save_as(out, enforce_file_format=True)
        row.deid_sop_uid = str(outcome.dataset.SOPInstanceUID)
        row.deid_study_uid = str(outcome.dataset.StudyInstanceUID)
        written = self._outbox.write(project_id, row.deid_sop_uid, out.getvalue())
        row.blob, row.sha256, row.size = str(written.path), written.sha256, written.size
        result.queued += 1
        return row

    def _already_queued(self, project_id: str, source_sop_uid: str, source_sha: str) -> bool:
        found = self._conn.execute(
            "SELECT source_sha256, state FROM instance WHERE project_id = ? AND source_sop_uid = ?",
            (project_id, source_sop_uid),
        ).fetchone()
        # Same bytes again (a PACS resend, a repeated pull): nothing to do. Different bytes: the PACS
        # corrected the instance, so it goes again (the hub keeps the first and flags the conflict).
        return found is not None and found["source_sha256"] == source_sha

    def _upsert(self, row: _Row) -> None:
        now = time.time()
        self._conn.execute(
            "INSERT INTO instance(project_id, source_sop_uid, source_study_uid, source_sha256, participant_id,"
            " deid_study_uid, deid_sop_uid, state, reason, blob, sha256, size, attempts, next_attempt, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,0,?) ON CONFLICT(project_id, source_sop_uid) DO UPDATE SET"
            " source_sha256=excluded.source_sha256, deid_sop_uid=excluded.deid_sop_uid, state=excluded.state,"
            " reason=excluded.reason, blob=excluded.blob, sha256=excluded.sha256, size=excluded.size,"
            " attempts=0, next_attempt=0, updated_at=excluded.updated_at WHERE instance.state != 'withdrawn'",
            (row.project_id, row.source_sop_uid, row.source_study_uid, row.source_sha256, row.participant_id,
             row.deid_study_uid, row.deid_sop_uid, row.state, row.reason, row.blob, row.sha256, row.size, now),
        )
        self._conn.execute(
            "INSERT INTO study(project_id, source_study_uid, deid_study_uid, participant_id) VALUES (?,?,?,?)"
            " ON CONFLICT(project_id, source_study_uid) DO NOTHING",
            (row.project_id, row.source_study_uid, row.deid_study_uid, row.participant_id),
        )


def _count(result: BatchResult, reason: str) -> None:
    result.dropped += 1
    result.dropped_reasons[reason] = result.dropped_reasons.get(reason, 0) + 1
