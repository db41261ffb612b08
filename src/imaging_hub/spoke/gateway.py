"""A running spoke: the intake SCP, the processor, the courier, the pull scheduler and the health keeper,
each a thread over the same data folder. ``Spoke(settings).start()`` / ``.stop()``; killed at any moment,
a restart carries on from the intake buffer and the outbox."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sqlite3
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from imaging_hub.spoke import outbox
from imaging_hub.spoke.backoff import backoff_delay
from imaging_hub.spoke.deid_work import WorkContext, init_worker
from imaging_hub.spoke.delivery import Courier
from imaging_hub.spoke.diskguard import DiskGuard
from imaging_hub.spoke.gatekeeper import Gatekeeper
from imaging_hub.spoke.hubclient import HubClient
from imaging_hub.spoke.identity import SubjectHasher
from imaging_hub.spoke.intake import IntakeBuffer
from imaging_hub.spoke.optout import OptOutFileError
from imaging_hub.spoke.pacs import Pacs
from imaging_hub.spoke.pacs_dicomweb import DicomWebPacs
from imaging_hub.spoke.pacs_dimse import DimsePacs
from imaging_hub.spoke.processor import Processor
from imaging_hub.spoke.projects import ProjectDeidentifiers
from imaging_hub.spoke.pull import Puller, PullSummary, projects_to_retry
from imaging_hub.spoke.register import refresh_if_changed
from imaging_hub.spoke.scp import IntakeScp, make_store_handler
from imaging_hub.spoke.settings import SpokeSettings
from imaging_hub.spoke.state import connect, set_health, transaction
from imaging_hub.spoke.throttle import RateLimiter

log = logging.getLogger(__name__)

MB = 1024 * 1024


class Spoke:
    def __init__(self, settings: SpokeSettings) -> None:
        self.settings = settings
        data = settings.data
        data.mkdir(parents=True, exist_ok=True)
        self.hasher = SubjectHasher.for_data_dir(data)
        self.guard = DiskGuard(data, settings.min_free_mb * MB)
        self.intake = IntakeBuffer(data / "intake", fsync=settings.intake_fsync)
        self.outbox = outbox.Outbox(data / "outbox", fsync=settings.intake_fsync)  # synced per group
        self.outbox.remove_stale()
        self.deidentifiers = ProjectDeidentifiers(settings.projects, settings.site_id)
        self.gatekeeper = Gatekeeper({p.id: p for p in settings.projects}, self.hasher)
        self.limiter = RateLimiter(settings.pacs.rate)
        self.scp = IntakeScp(settings.ae_title, settings.host, settings.dicom_port, self.intake, self.guard,
                             before_store=self._throttle_pacs)
        self._stop = threading.Event()
        self._wake_courier = threading.Event()
        self._threads: list[threading.Thread] = []
        self.last_pull: PullSummary | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        conn = connect(self.settings.data)
        self._refresh_opt_out(conn)
        conn.close()
        self.scp.start()
        log.info("spoke %s accepting DICOM as %s on %s:%d", self.settings.site_id, self.settings.ae_title,
                 self.settings.host, self.scp.port)
        for name, target in (("processor", self._process_loop), ("courier", self._courier_loop),
                             ("scheduler", self._schedule_loop), ("health", self._health_loop)):
            thread = threading.Thread(target=target, name=f"spoke-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake_courier.set()
        self.scp.stop()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()

    def wait(self) -> None:
        while not self._stop.wait(0.5):
            pass

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    # --- pieces --------------------------------------------------------------------------------------

    def _throttle_pacs(self, event: Any) -> None:
        requestor = str(getattr(event.assoc.requestor, "ae_title", "")).strip()
        if requestor == self.settings.pacs.ae_title:
            self.limiter.acquire()

    def _refresh_opt_out(self, conn: sqlite3.Connection) -> None:
        path = self.settings.opt_out_file
        if path is None:
            return
        try:
            refresh_if_changed(conn, path, self.hasher)
        except OptOutFileError as exc:  # keep the register we have: a partial one would be unsafe
            log.error("opt-out file not loaded, previous register kept: %s", exc)
            set_health(conn, "opt_out", f"last file rejected: {exc}")

    def make_processor(self, conn: sqlite3.Connection) -> Processor:
        """The coordinator with, unless ``deid_workers`` is 0, its pool of de-identification processes
        (spawned, not forked: this process runs threads and holds sockets and database handles)."""
        workers = self.settings.deid_workers

        def pool() -> ProcessPoolExecutor:
            return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=init_worker, initargs=(self.settings,))

        context = WorkContext(conn, self.outbox, self.gatekeeper, self.deidentifiers)
        return Processor(conn, self.intake, context, self.gatekeeper, pool if workers > 0 else None, max(1, workers))

    def _process_loop(self) -> None:
        conn = connect(self.settings.data)
        processor = self.make_processor(conn)
        try:
            # start the worker processes now: started on the first files they would spend the first
            # seconds of a pull importing, on the cores the pull needs
            processor.warm_up()
            while not self._stop.is_set():
                try:
                    result = processor.run_once()
                except Exception:
                    log.exception("processor step failed; retrying")
                    self._stop.wait(1.0)
                    continue
                if result.queued:
                    self._wake_courier.set()
                if not result.worked and processor.idle:
                    self.intake.wait(0.5)
        finally:
            processor.close()
            conn.close()

    def _courier_loop(self) -> None:
        conn = connect(self.settings.data)
        client = HubClient(self.settings.hub)
        courier = Courier(conn, client, self.settings.hub, self.settings.site_id)
        while not self._stop.is_set():
            try:
                courier.run(self._stop, self._wake_courier)
            except Exception:
                log.exception("courier step failed; retrying")
                self._stop.wait(1.0)
        client.close()
        conn.close()

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
                        self.settings.pacs.nhs_number_keys)
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
        while not self._stop.wait(0.25):  # a pull asked for from the CLI starts within a quarter second
            if self.settings.pacs.kind == "none" or not self.guard.accepting():
                continue
            request = conn.execute(
                "SELECT id, project_id FROM pull_request WHERE started_at IS NULL ORDER BY id LIMIT 1"
            ).fetchone()
            scope: str | None = None
            if request is not None:
                scope = request[1] or None
                with transaction(conn):
                    conn.execute("UPDATE pull_request SET started_at = ? WHERE id = ?", (time.time(), request[0]))
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
                log.warning("retrieve of %d project(s)' studies failed; retrying in %.0fs", len(retry), delay)
            if request is not None:
                with transaction(conn):
                    conn.execute("UPDATE pull_request SET finished_at = ?, outcome = ? WHERE id = ?",
                                 (time.time(), outcome, request[0]))
        conn.close()

    def _pull_and_describe(self, project_id: str | None) -> str:
        try:
            summary = self.pull(project_id)
        except Exception as exc:
            log.exception("pull failed")
            return f"failed: {exc}"
        return (f"{summary.studies_retrieved} of {summary.studies_found} studies retrieved, "
                f"{len(summary.errors)} error(s)")

    def _health_loop(self) -> None:
        conn = connect(self.settings.data)
        last_refresh = 0.0
        while not self._stop.is_set():
            state = self.guard.state()
            with contextlib.suppress(sqlite3.OperationalError):
                set_health(conn, "disk", state.describe())
                set_health(conn, "accepting", "yes" if state.accepting else "no")
                set_health(conn, "intake_pending", str(self.intake.count()))
                set_health(conn, "heartbeat", f"pid {os.getpid()}")
                if time.time() - last_refresh >= 10:
                    self._refresh_opt_out(conn)
                    last_refresh = time.time()
            self._stop.wait(1.0)
        with contextlib.suppress(sqlite3.OperationalError):
            set_health(conn, "heartbeat", "stopped")
        conn.close()
