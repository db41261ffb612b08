"""From intake buffer to outbox: decide, de-identify with the project's profile and key, queue.

A processor works one share of the intake buffer (all of it unless told otherwise), in groups: it
de-identifies the group's files, flushes their outbox files together, records the decisions and outbox rows
in one transaction, and only then deletes the intake files. A crash anywhere repeats the group, and the
(project, source SOP Instance UID) key makes the repeat a no-op, so nothing is lost or doubled. Several
processors, one per worker process (``workers``), take disjoint shares and need no coordinator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from imaging_hub.files import sync_files
from imaging_hub.spoke.intake.buffer import EVERYTHING, IntakeBuffer, Share
from imaging_hub.spoke.pipeline.deid_work import FileOutcome, OutboxRow, WorkContext, process_file
from imaging_hub.spoke.review import HELD, boxes_json
from imaging_hub.spoke.state import transaction
from imaging_hub.spoke.tables import held_review, instance, study

log = logging.getLogger(__name__)

RETRY_FAILED_FILE_S = 30.0  # a file whose processing raised is tried again after this long
GROUP_SIZE = 64  # intake files de-identified before their results are flushed and committed together
# While arrivals keep coming, a group stays open for more up to GROUP_LINGER_S; it closes once GROUP_QUIET_S
# passes with none. A group costs a flush, a commit and a listing of the buffer whatever its size, so a steady
# stream is recorded in large groups, and the last instances of a transfer wait only GROUP_QUIET_S.
GROUP_LINGER_S = 0.5
GROUP_QUIET_S = 0.1


@dataclass
class BatchResult:
    files: int = 0  # intake files recorded and deleted
    queued: int = 0
    dropped: int = 0
    quarantined: int = 0
    duplicates: int = 0
    dropped_reasons: dict[str, int] = field(default_factory=dict)

    def merge(self, other: BatchResult) -> None:
        for name in ("files", "queued", "dropped", "quarantined", "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, n in other.dropped_reasons.items():
            self.dropped_reasons[reason] = self.dropped_reasons.get(reason, 0) + n

    def add(self, outcome: FileOutcome) -> None:
        self.files += 1
        self.queued += outcome.queued
        self.quarantined += outcome.quarantined
        self.duplicates += outcome.duplicates
        for reason, n in outcome.dropped.items():
            self.dropped += n
            self.dropped_reasons[reason] = self.dropped_reasons.get(reason, 0) + n


class Processor:
    """De-identifies the intake files of ``share`` in groups, in the calling thread."""

    def __init__(self, conn: Connection, intake: IntakeBuffer, context: WorkContext,
                 share: Share = EVERYTHING, group_size: int = GROUP_SIZE) -> None:
        self._conn = conn
        self._intake = intake
        self._context = context
        self._share = share
        self._group_size = group_size
        self._failed_until: dict[str, float] = {}  # by intake file name

    def run_once(self, linger_s: float = 0.0, pause: Callable[[float], object] = time.sleep,
                 quiet_s: float = GROUP_QUIET_S) -> BatchResult:
        """One group: up to ``group_size`` of the oldest files of our share, recorded together. Once one file
        is done, files that keep arriving join the group for up to ``linger_s``; it closes when a wait of
        ``quiet_s`` (through ``pause``) brings none: while a sender streams instances in, a flush and a commit
        then serve many of them, not each one."""
        group: list[FileOutcome] = []
        taken: set[str] = set()
        deadline = time.monotonic() + linger_s
        waited = False  # the last look found nothing new after a pause
        while len(group) < self._group_size:
            now = time.time()
            fresh = [name for name in self._intake.pending_names(self._share)
                     if name not in taken and self._failed_until.get(name, 0) <= now]
            for name in fresh[:self._group_size - len(group)]:
                taken.add(name)
                path = self._intake.directory / name
                try:
                    group.append(process_file(self._context, path))
                except Exception as exc:
                    self._failed(path, exc)
            if fresh:
                waited = False
                continue
            remaining = deadline - time.monotonic()
            if not group or remaining <= 0 or waited:
                break
            pause(min(quiet_s, remaining))
            waited = True
        return self._record(group) if group else BatchResult()

    def drain(self) -> BatchResult:
        """Process until our share of the intake buffer is empty (benchmarks, tests)."""
        total = BatchResult()
        while True:
            result = self.run_once()
            total.merge(result)
            if not result.files:
                return total  # empty, or only files that failed are left: they wait for their retry

    def _failed(self, path: Path, exc: Exception) -> None:
        if isinstance(exc, FileNotFoundError) and not path.exists():
            return  # taken by another worker meanwhile (a share changed with the number of workers)
        self._failed_until[path.name] = time.time() + RETRY_FAILED_FILE_S
        log.error("processing an intake file failed (%s); it stays in the intake buffer and is retried",
                  type(exc).__name__)

    def _record(self, group: list[FileOutcome]) -> BatchResult:
        result = BatchResult()
        if self._context.outbox.fsync:
            sync_files(Path(row.blob) for o in group for row in o.rows if row.blob)
        with transaction(self._conn):
            for outcome in group:
                for who, decisions in outcome.decided:
                    self._context.gatekeeper.record(self._conn, who, decisions)
                result.add(outcome)
            _upsert(self._conn, [row for outcome in group for row in outcome.rows])
        for outcome in group:
            self._intake.remove(outcome.path)
            self._failed_until.pop(outcome.path.name, None)
        return result


_new_instance = insert(instance)
# A repeat of a recorded instance (a crash repeated the group, the PACS sent it again) changes nothing; a
# corrected one (another source fingerprint) is queued again, unless its participant has withdrawn.
_UPSERT_INSTANCE = _new_instance.on_conflict_do_update(
    index_elements=[instance.c.project_id, instance.c.source_sop_uid],
    set_={**{c: _new_instance.excluded[c] for c in ("source_sha256", "deid_sop_uid", "state", "reason", "finding",
                                                   "blob", "sha256", "size", "updated_at")},
          "attempts": 0, "next_attempt": 0},
    where=(instance.c.state != "withdrawn") & (instance.c.source_sha256 != _new_instance.excluded.source_sha256),
)
_new_held = insert(held_review)
_HOLD = _new_held.on_conflict_do_update(  # a corrected instance held again: review it afresh
    index_elements=[held_review.c.project_id, held_review.c.source_sop_uid],
    set_={"reason": _new_held.excluded.reason, "proposed": _new_held.excluded.proposed, "added": "[]",
          "held_at": _new_held.excluded.held_at})
_NOTE_STUDY = insert(study).on_conflict_do_nothing(index_elements=[study.c.project_id, study.c.source_study_uid])


def _upsert(conn: Connection, rows: list[OutboxRow]) -> None:
    """Record the rows, in order, with one statement each for the instances and the studies."""
    if not rows:
        return
    now = time.time()
    conn.execute(_UPSERT_INSTANCE, [{
        "project_id": row.project_id, "source_sop_uid": row.source_sop_uid, "source_study_uid": row.source_study_uid,
        "source_series_uid": row.source_series_uid, "source_sha256": row.source_sha256,
        "participant_id": row.participant_id, "deid_study_uid": row.deid_study_uid, "deid_sop_uid": row.deid_sop_uid,
        "state": row.state, "reason": row.reason, "finding": row.finding, "blob": row.blob, "sha256": row.sha256,
        "size": row.size, "attempts": 0, "next_attempt": 0, "updated_at": now,
    } for row in rows])
    held = [row for row in rows if row.state == HELD]
    if held:
        conn.execute(_HOLD, [{"project_id": row.project_id, "source_sop_uid": row.source_sop_uid,
                              "reason": row.reason, "proposed": boxes_json(row.proposed), "added": "[]",
                              "held_at": now} for row in held])
    conn.execute(_NOTE_STUDY, [{"project_id": row.project_id, "source_study_uid": row.source_study_uid,
                                "deid_study_uid": row.deid_study_uid, "participant_id": row.participant_id}
                               for row in rows])
