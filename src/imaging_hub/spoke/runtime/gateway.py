"""A running spoke. This process receives: the intake Storage SCP, the pull scheduler and the health keeper,
a thread each. De-identification and delivery run in a second process (``pipeline``) over the same data
folder. ``Spoke(settings).start()`` / ``.stop()``; killed at any moment, a restart carries on from the intake
buffer and the outbox. One spoke per data folder (a lock file says so)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.delivery.backoff import backoff_delay
from imaging_hub.spoke.intake.buffer import IntakeBuffer
from imaging_hub.spoke.intake.diskguard import DiskGuard
from imaging_hub.spoke.intake.scp import IntakeScp, make_store_handler
from imaging_hub.spoke.pacs.dicomweb import DicomWebPacs
from imaging_hub.spoke.pacs.dimse import DimsePacs
from imaging_hub.spoke.pacs.protocol import Pacs
from imaging_hub.spoke.pacs.pull import Puller, PullSummary, projects_to_retry
from imaging_hub.spoke.pacs.throttle import RateLimiter
from imaging_hub.spoke.participants.gatekeeper import Gatekeeper
from imaging_hub.spoke.participants.identity import SubjectHasher
from imaging_hub.spoke.participants.optout import OptOutFileError
from imaging_hub.spoke.participants.register import refresh_if_changed
from imaging_hub.spoke.pipeline.projects import ProjectDeidentifiers
from imaging_hub.spoke.runtime.lockfile import try_lock
from imaging_hub.spoke.runtime.pipeline import PipelineProcess
from imaging_hub.spoke.settings import SpokeSettings
from imaging_hub.spoke.state import connect, set_health, transaction
from imaging_hub.spoke.tables import pull_request

log = logging.getLogger(__name__)

MB = 1024 * 1024
LOCK_FILE = "spoke.lock"


class SpokeAlreadyRunning(ImagingHubError, RuntimeError):
    """Another spoke holds this data folder."""


class Spoke:
    def __init__(self, settings: SpokeSettings) -> None:
        self.settings = settings
        data = settings.data
        data.mkdir(parents=True, exist_ok=True)
        self.hasher = SubjectHasher.for_data_dir(data)
        self.guard = DiskGuard(data, settings.min_free_mb * MB)
        self.pipeline = PipelineProcess(settings)
        self.intake = IntakeBuffer(data / "intake", fsync=settings.intake_fsync,
                                   on_arrival=self.pipeline.notify_arrival)
        self.deidentifiers = ProjectDeidentifiers(settings.projects, settings.site_id)
        self.gatekeeper = Gatekeeper({p.id: p for p in settings.projects}, self.hasher)
        self.limiter = RateLimiter(settings.pacs.rate)
        self.scp = IntakeScp(settings.ae_title, settings.host, settings.dicom_port, self.intake, self.guard,
                             before_store=self._throttle_pacs)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock: IO[str] | None = None
        self.last_pull: PullSummary | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        self._lock = _lock_data_folder(self.settings.data)
        conn = connect(self.settings.data)
        self._refresh_opt_out(conn)
        conn.close()
        self.intake.remove_stale()
        self.scp.start()
        log.info("spoke %s accepting DICOM as %s on %s:%d", self.settings.site_id, self.settings.ae_title,
                 self.settings.host, self.scp.port)
        self.pipeline.start()
        for name, target in (("scheduler", self._schedule_loop), ("health", self._health_loop)):
            thread = threading.Thread(target=target, name=f"spoke-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.scp.stop()
        self.pipeline.stop()  # after the SCP: what it accepted last is de-identified by the next start
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    # --- pieces --------------------------------------------------------------------------------------

    def _throttle_pacs(self, event: Any) -> None:
        requestor = str(getattr(event.assoc.requestor, "ae_title", "")).strip()
        if requestor == self.settings.pacs.ae_title:
            self.limiter.acquire()

    def _refresh_opt_out(self, conn: Connection) -> None:
        path = self.settings.opt_out_file
        if path is None:
            return
        try:
            refresh_if_changed(conn, path, self.hasher)
        except OptOutFileError as exc:  # keep the register we have: a partial one would be unsafe
            log.error("opt-out file not loaded, previous register kept: %s", exc)
            set_health(conn, "opt_out", f"last file rejected: {exc}")

    def make_pacs(self) -> Pacs | None:
        link = self.settings.pacs
        if link.kind == "dimse":
            handler = make_store_handler(self.intake, self.guard, self._throttle_pacs)
            return DimsePacs(link.host, link.port, link.ae_title, self.settings.ae_title, retrieve=link.retrieve,
                             store_handler=handler)
        if link.kind == "dicomweb":
            def deliver(part10: bytes) -> None:
                self.limiter.acquire()
                while not self.guard.accepting() and not self._stop.is_set():
                    time.sleep(1.0)
                self.intake.put(part10)

            return DicomWebPacs(link.url, deliver)
        return None

    def pull(self, project_id: str | None = None) -> PullSummary:
        pacs = self.make_pacs()
        if pacs is None:
            raise ValueError("no PACS configured for this spoke (pacs.kind is 'none')")
        puller = Puller(lambda: connect(self.settings.data), pacs, {p.id: p for p in self.settings.projects},
                        self.deidentifiers, self.hasher, self.gatekeeper, self.settings.pacs.concurrency,
                        self.settings.pacs.nhs_number_keys, intake_since=self.intake.oldest_arrival)
        summary = puller.pull(project_id)
        self.last_pull = summary
        return summary

    def _schedule_loop(self) -> None:
        """Pull when asked (``pull_request`` rows), every ``interval_s`` if set, and again, with backoff, for
        projects whose last retrieve of some study failed (a PACS busy or timing out must not leave a study
        failed for good)."""
        conn = connect(self.settings.data)
        interval = self.settings.pacs.interval_s
        next_scheduled = time.time() + interval if interval > 0 else float("inf")
        retry_at = 0.0
        while not self._stop.wait(0.1):  # a pull asked for from the CLI starts within a tenth of a second
            if self.settings.pacs.kind == "none" or not self.guard.accepting():
                continue
            request = conn.execute(
                select(pull_request.c.id, pull_request.c.project_id).where(pull_request.c.started_at.is_(None))
                .order_by(pull_request.c.id).limit(1)
            ).first()
            scope: str | None = None
            if request is not None:
                scope = request.project_id or None
                with transaction(conn):
                    conn.execute(update(pull_request).where(pull_request.c.id == request.id)
                                 .values(started_at=time.time()))
            elif time.time() >= next_scheduled:
                next_scheduled = time.time() + interval
            else:
                retry, failures = projects_to_retry(conn)
                if not retry or time.time() < retry_at:
                    continue
                scope = next(iter(retry)) if len(retry) == 1 else None
            outcome = self._pull_and_describe(scope)
            set_health(conn, "last_pull", outcome)
            retry, failures = projects_to_retry(conn)
            if retry:
                delay = backoff_delay(failures, self.settings.pacs.retry_base_s, self.settings.pacs.retry_cap_s)
                retry_at = time.time() + delay
                log.warning("PACS lookups or retrieves failed for %d project(s); retrying in %.0fs", len(retry), delay)
            if request is not None:
                with transaction(conn):
                    conn.execute(update(pull_request).where(pull_request.c.id == request.id)
                                 .values(finished_at=time.time(), outcome=outcome))
        conn.close()

    def _pull_and_describe(self, project_id: str | None) -> str:
        try:
            summary = self.pull(project_id)
        except Exception as exc:
            log.exception("pull failed")
            return f"failed: {exc}"
        return summary.describe()

    def _health_loop(self) -> None:
        conn = connect(self.settings.data)
        last_refresh = 0.0
        while not self._stop.is_set():
            state = self.guard.state()
            with contextlib.suppress(OperationalError):
                set_health(conn, "disk", state.describe())
                set_health(conn, "accepting", "yes" if state.accepting else "no")
                set_health(conn, "intake_pending", str(self.intake.count()))
                set_health(conn, "heartbeat", f"pid {os.getpid()}")
                self.pipeline.keep_alive(conn)
                if time.time() - last_refresh >= 10:
                    self._refresh_opt_out(conn)
                    last_refresh = time.time()
            self._stop.wait(1.0)
        with contextlib.suppress(OperationalError):
            set_health(conn, "heartbeat", "stopped")
        conn.close()


def _lock_data_folder(data: Path) -> IO[str]:
    handle = try_lock(data / LOCK_FILE)
    if handle is None:
        raise SpokeAlreadyRunning(f"another spoke is running on the data folder {data}")
    return handle
