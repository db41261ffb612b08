"""The spoke's second process: de-identification (the processor with its worker pool) and delivery (the courier).

The intake process receives DICOM with pynetdicom, which is pure Python and needs the interpreter lock for
every PDU. Run in the same process, the courier's TLS sends and the processor's bookkeeping took that lock
from the Storage SCP, so a busy delivery slowed the modalities and the PACS sending to the spoke. Here they
run apart and share only the data folder: the intake buffer, the outbox and the SQLite state, each durable on
its own, so either process may die at any moment and the other, or a restart, carries on.

``PipelineProcess`` is the intake process's handle on it: started with the spoke, restarted if it dies,
stopped with the spoke; the child leaves on its own if the intake process is killed.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path

from imaging_hub.spoke.deid_work import WorkContext, init_worker, watch_parent
from imaging_hub.spoke.delivery import Courier
from imaging_hub.spoke.hubclient import HubClient
from imaging_hub.spoke.intake import IntakeBuffer
from imaging_hub.spoke.lockfile import try_lock
from imaging_hub.spoke.outbox import Outbox
from imaging_hub.spoke.processor import Processor
from imaging_hub.spoke.settings import SpokeSettings
from imaging_hub.spoke.state import connect, set_health

log = logging.getLogger(__name__)

_SPAWN = multiprocessing.get_context("spawn")  # not fork: the intake process runs threads and holds sockets
LOCK_FILE = "pipeline.lock"
RESTART_DELAY_S = 2.0


def make_processor(settings: SpokeSettings, conn: sqlite3.Connection, intake: IntakeBuffer,
                   outbox: Outbox) -> Processor:
    """The coordinator with, unless ``deid_workers`` is 0, its pool of de-identification processes."""
    workers = settings.deid_workers
    context = WorkContext.for_settings(settings, conn, outbox)

    def pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=_SPAWN, initializer=init_worker,
                                   initargs=(settings, os.getpid()))

    return Processor(conn, intake, context, context.gatekeeper, pool if workers > 0 else None, max(1, workers))


class Pipeline:
    """The processor and the courier, a thread each, until ``stop`` is set."""

    def __init__(self, settings: SpokeSettings, stop: threading.Event | ProcessEvent,
                 arrived: threading.Event | ProcessEvent) -> None:
        self.settings = settings
        self._stop = stop
        self._arrived = arrived  # set by the intake process on every instance it buffers
        self._wake_courier = threading.Event()
        self.intake = IntakeBuffer(settings.data / "intake", fsync=settings.intake_fsync)
        self.outbox = Outbox(settings.data / "outbox", fsync=settings.intake_fsync)  # synced per group

    def run(self) -> None:
        self.outbox.remove_stale()  # before any worker of ours writes: leftovers of a pipeline that died
        threads = [threading.Thread(target=loop, name=f"spoke-{name}", daemon=True)
                   for name, loop in (("processor", self._process_loop), ("courier", self._courier_loop))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _process_loop(self) -> None:
        conn = connect(self.settings.data)
        processor = make_processor(self.settings, conn, self.intake, self.outbox)
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
                    # cleared before the next look at the intake folder, so an arrival is never missed
                    self._arrived.wait(0.5)
                    self._arrived.clear()
        finally:
            self._wake_courier.set()
            processor.close()
            conn.close()

    def _courier_loop(self) -> None:
        conn = connect(self.settings.data)
        client = HubClient(self.settings.hub)
        courier = Courier(conn, client, self.settings.hub, self.settings.site_id)
        try:
            while not self._stop.is_set():
                try:
                    courier.run(self._stop, self._wake_courier)
                except Exception:
                    log.exception("courier step failed; retrying")
                    self._stop.wait(1.0)
        finally:
            client.close()
            conn.close()


def pipeline_main(settings: SpokeSettings, stop: ProcessEvent, arrived: ProcessEvent, parent: int) -> None:
    """Entry point of the child process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the intake process decides
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("pynetdicom", "httpx", "pydicom"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # killed with -9, the spoke cannot stop its pipeline: it leaves on its own (waiting for the lock too), and
    # whatever it was doing is redone by the next one (a group not yet recorded is still in the intake buffer)
    watch_parent(parent)
    with _exclusive(settings.data / LOCK_FILE, stop):
        if stop.is_set():
            return
        Pipeline(settings, stop, arrived).run()


@contextlib.contextmanager
def _exclusive(path: Path, stop: ProcessEvent) -> Iterator[None]:
    """One pipeline per data folder: a pipeline left over from a killed spoke is let finish leaving first."""
    handle = try_lock(path)
    while handle is None and not stop.wait(0.2):
        handle = try_lock(path)
    try:
        yield
    finally:
        if handle is not None:
            handle.close()


class PipelineProcess:
    """The intake process's handle on the pipeline child: start, keep alive, stop."""

    def __init__(self, settings: SpokeSettings) -> None:
        self.settings = settings
        self.stop_event = _SPAWN.Event()
        self.arrived = _SPAWN.Event()
        self._process: SpawnProcess | None = None
        self._restarts = 0
        self._died_at = 0.0

    def start(self) -> None:
        self._process = _SPAWN.Process(target=pipeline_main, name="spoke-pipeline", daemon=False,
                                       args=(self.settings, self.stop_event, self.arrived, os.getpid()))
        self._process.start()

    def notify_arrival(self) -> None:
        self.arrived.set()

    def keep_alive(self, conn: sqlite3.Connection) -> None:
        """Called from the health loop: restart a pipeline that died (killed, out of memory)."""
        process = self._process
        if process is None or self.stop_event.is_set():
            return
        if process.is_alive():
            set_health(conn, "pipeline", f"running (pid {process.pid}, {self._restarts} restart(s))")
            return
        if not self._died_at:
            self._died_at = time.time()
            log.error("the de-identification and delivery process exited (code %s); restarting it",
                      process.exitcode)
            set_health(conn, "pipeline", f"exited with code {process.exitcode}; restarting")
        if time.time() - self._died_at >= RESTART_DELAY_S:
            self._died_at = 0.0
            self._restarts += 1
            self.start()

    def stop(self, timeout: float = 60.0) -> None:
        self.stop_event.set()
        process = self._process
        if process is None:
            return
        process.join(timeout)
        if process.is_alive():
            log.error("the de-identification and delivery process did not stop in %.0fs; terminating it", timeout)
            process.terminate()
            process.join(10)
