"""From intake buffer to outbox: decide, de-identify with the project's profile and key, queue.

The coordinator hands intake files to a pool of de-identification worker processes (``deid_work``), so
receiving (the SCP, in the spoke's own process), de-identifying (the workers) and delivering (the courier)
run at the same time on different cores. Results are recorded in groups: the group's outbox files are
flushed together, then one transaction records the decisions and outbox rows, and only then are the intake
files removed. A crash anywhere repeats the group, and the (project, source SOP Instance UID) key makes the
repeat a no-op, so nothing is lost or doubled.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from imaging_hub.spoke.deid_work import FileOutcome, OutboxRow, WorkContext, process_file, process_in_worker
from imaging_hub.spoke.durable import sync_files
from imaging_hub.spoke.gatekeeper import Gatekeeper
from imaging_hub.spoke.intake import IntakeBuffer
from imaging_hub.spoke.state import transaction

log = logging.getLogger(__name__)

RETRY_FAILED_FILE_S = 30.0  # a file whose processing raised is tried again after this long
GROUP_WAIT_S = 0.5  # record a group at least this often while work keeps flowing


@dataclass
class BatchResult:
    queued: int = 0
    dropped: int = 0
    quarantined: int = 0
    duplicates: int = 0
    dropped_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def worked(self) -> bool:
        return bool(self.queued or self.dropped or self.duplicates or self.quarantined)

    def add(self, outcome: FileOutcome) -> None:
        self.queued += outcome.queued
        self.quarantined += outcome.quarantined
        self.duplicates += outcome.duplicates
        for reason, n in outcome.dropped.items():
            self.dropped += n
            self.dropped_reasons[reason] = self.dropped_reasons.get(reason, 0) + n


class Processor:
    """Feeds intake files to ``pool`` (None: work in the calling thread) and records results in groups."""

    def __init__(
        self, conn: sqlite3.Connection, intake: IntakeBuffer, context: WorkContext, gatekeeper: Gatekeeper,
        pool_factory: Callable[[], Executor] | None = None, workers: int = 1, group_size: int = 64,
    ) -> None:
        self._conn = conn
        self._intake = intake
        self._context = context
        self._gatekeeper = gatekeeper
        self._pool_factory = pool_factory
        self._pool = pool_factory() if pool_factory is not None else None
        self._workers = workers
        self._in_flight_max = max(2, workers * 16)  # enough queued to cover a group's flush and commit
        self._group_size = group_size
        self._in_flight: dict[Future[FileOutcome], Path] = {}
        self._done: list[FileOutcome] = []
        self._group_started = 0.0
        self._failed_until: dict[Path, float] = {}

    def run_once(self, timeout: float = 0.5) -> BatchResult:
        """Top up the workers, collect what finished (waiting up to ``timeout``), record a group when it is
        full or nothing else is running. Returns what was recorded."""
        if self._pool is None:
            return self._run_inline()
        self._top_up()
        if self._in_flight:
            finished, _ = wait(list(self._in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
            for future in finished:
                path = self._in_flight.pop(future)
                try:
                    self._collect(future.result())
                except BrokenExecutor:  # a worker died (killed, out of memory): the file is simply redone
                    self._restart_pool()
                except Exception as exc:
                    self._failed(path, exc)
        if self._done and (len(self._done) >= self._group_size or not self._in_flight
                           or time.monotonic() - self._group_started >= GROUP_WAIT_S):
            self._top_up()  # the workers keep going while the group is flushed and recorded
            return self._record()
        return BatchResult()

    @property
    def idle(self) -> bool:
        """Nothing handed to a worker and nothing waiting to be recorded."""
        return not self._in_flight and not self._done

    def drain(self) -> BatchResult:
        """Process until the intake buffer is empty (benchmarks, tests)."""
        total = BatchResult()
        while self._intake.count() or self._in_flight or self._done:
            result = self.run_once()
            for name in ("queued", "dropped", "quarantined", "duplicates"):
                setattr(total, name, getattr(total, name) + getattr(result, name))
        return total

    def _run_inline(self) -> BatchResult:
        for path in self._intake.pending(self._group_size):
            try:
                self._collect(process_file(self._context, path))
            except Exception as exc:
                self._failed(path, exc)
        return self._record() if self._done else BatchResult()

    def _restart_pool(self) -> None:
        assert self._pool is not None and self._pool_factory is not None
        log.error("a de-identification worker process died; starting a new pool")
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._in_flight.clear()  # every future of a broken pool fails; their files are still in the intake
        self._pool = self._pool_factory()

    def warm_up(self) -> None:
        """Start every worker process now rather than on the first files."""
        if self._pool is not None:
            for done in [self._pool.submit(time.sleep, 0.2) for _ in range(self._workers)]:
                done.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, outcome: FileOutcome) -> None:
        if not self._done:
            self._group_started = time.monotonic()
        self._done.append(outcome)

    def _top_up(self) -> None:
        assert self._pool is not None
        room = self._in_flight_max - len(self._in_flight)
        if room <= 0:
            return
        busy = set(self._in_flight.values()) | {o.path for o in self._done}
        now = time.time()
        for path in self._intake.pending(self._in_flight_max * 2):
            if room <= 0:
                break
            if path in busy or self._failed_until.get(path, 0) > now:
                continue
            self._in_flight[self._pool.submit(process_in_worker, path)] = path
            room -= 1

    def _failed(self, path: Path, exc: Exception) -> None:
        if isinstance(exc, FileNotFoundError) and not path.exists():
            return  # already recorded and removed by an earlier group
        self._failed_until[path] = time.time() + RETRY_FAILED_FILE_S
        log.error("processing an intake file failed (%s); it stays in the intake buffer and is retried",
                  type(exc).__name__)

    def _record(self) -> BatchResult:
        group, self._done = self._done, []
        result = BatchResult()
        if self._context.outbox.fsync:
            sync_files(Path(row.blob) for o in group for row in o.rows if row.blob)
        with transaction(self._conn):
            for outcome in group:
                for who, decisions in outcome.decided:
                    self._gatekeeper.record(self._conn, who, decisions)
                for row in outcome.rows:
                    _upsert(self._conn, row)
                result.add(outcome)
        for outcome in group:
            outcome.path.unlink(missing_ok=True)
            self._failed_until.pop(outcome.path, None)
        return result


def _upsert(conn: sqlite3.Connection, row: OutboxRow) -> None:
    now = time.time()
    conn.execute(
        "INSERT INTO instance(project_id, source_sop_uid, source_study_uid, source_sha256, participant_id,"
        " deid_study_uid, deid_sop_uid, state, reason, finding, blob, sha256, size, attempts, next_attempt,"
        " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,0,?) ON CONFLICT(project_id, source_sop_uid) DO UPDATE"
        " SET source_sha256=excluded.source_sha256, deid_sop_uid=excluded.deid_sop_uid, state=excluded.state,"
        " reason=excluded.reason, finding=excluded.finding, blob=excluded.blob, sha256=excluded.sha256,"
        " size=excluded.size,"
        " attempts=0, next_attempt=0, updated_at=excluded.updated_at WHERE instance.state != 'withdrawn'"
        " AND instance.source_sha256 != excluded.source_sha256",
        (row.project_id, row.source_sop_uid, row.source_study_uid, row.source_sha256, row.participant_id,
         row.deid_study_uid, row.deid_sop_uid, row.state, row.reason, row.finding, row.blob, row.sha256, row.size,
         now),
    )
    conn.execute(
        "INSERT INTO study(project_id, source_study_uid, deid_study_uid, participant_id) VALUES (?,?,?,?)"
        " ON CONFLICT(project_id, source_study_uid) DO NOTHING",
        (row.project_id, row.source_study_uid, row.deid_study_uid, row.participant_id),
    )
