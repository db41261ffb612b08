"""The spoke's second process: de-identification (its worker processes) and delivery (the courier).

The intake process receives DICOM with pynetdicom, which is pure Python and needs the interpreter lock for
every PDU. Run in the same process, the courier's TLS sends and de-identification took that lock from the
Storage SCP, so a busy delivery slowed the modalities and the PACS sending to the spoke. Here they run apart
and share only the data folder: the intake buffer, the outbox and the SQLite state, each durable on its own,
so any process may die at any moment and the others, or a restart, carry on.

``PipelineProcess`` is the intake process's handle on it: started with the spoke, restarted if it dies,
stopped with the spoke; the child leaves on its own if the intake process is killed.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from multiprocessing.context import SpawnProcess

from sqlalchemy.engine import Connection

from imaging_hub.heap import freeze_start_up
from imaging_hub.spoke.delivery.courier import Courier
from imaging_hub.spoke.delivery.hubclient import HubClient
from imaging_hub.spoke.delivery.outbox import Outbox
from imaging_hub.spoke.intake.buffer import EVERYTHING, files_waiting
from imaging_hub.spoke.participants.identity import SubjectHasher
from imaging_hub.spoke.participants.recruitment import enrolment_counts
from imaging_hub.spoke.runtime.lifetime import Revival, start_child
from imaging_hub.spoke.runtime.lockfile import held_lock
from imaging_hub.spoke.runtime.shared_event import SharedEvent
from imaging_hub.spoke.runtime.workers import SPAWN, DeidWorkers, make_processor, work
from imaging_hub.spoke.settings import SpokeSettings
from imaging_hub.spoke.state import connect, set_health

log = logging.getLogger(__name__)

LOCK_FILE = "pipeline.lock"
WORKERS_STOP_S = 50.0  # within the intake process's wait for this one


class Pipeline:
    """The courier thread and the de-identification workers (or, with ``deid_workers = 0``, a thread doing
    their work here) until ``stop`` is set. ``arrived``: one event per worker, set by the intake process on
    every instance it buffers."""

    def __init__(self, settings: SpokeSettings, stop: SharedEvent, arrived: Sequence[SharedEvent]) -> None:
        self.settings = settings
        self._stop = stop
        self._arrived = list(arrived)
        self._queued = SharedEvent(SPAWN)  # set by a worker that queued something: wakes the courier

    def run(self) -> None:
        Outbox(self.settings.data / "outbox").remove_stale()  # before any worker writes: leftovers of the dead
        courier = threading.Thread(target=self._courier_loop, name="spoke-courier", daemon=True)
        courier.start()
        try:
            if self.settings.deid_workers > 0:
                self._supervise(DeidWorkers(self.settings, self._arrived, self._queued, self._stop))
            else:
                os.nice(self.settings.background_nice)  # Linux keeps a niceness per thread: the courier's stays
                work(make_processor(self.settings, EVERYTHING), self._arrived[0], self._queued, self._stop)
        finally:
            self._queued.set()
            courier.join()

    def _supervise(self, workers: DeidWorkers) -> None:
        conn = connect(self.settings.data)
        workers.start()
        shown = ""
        try:
            while not self._stop.wait(0.2):
                workers.keep_alive()
                status = workers.describe()
                if status != shown:
                    set_health(conn, "deid_workers", status)
                    shown = status
        finally:
            workers.join(WORKERS_STOP_S)
            conn.close()

    def _courier_loop(self) -> None:
        conn = connect(self.settings.data)
        client = HubClient(self.settings.hub)
        intake = self.settings.data / "intake"
        projects = {p.id: p for p in self.settings.projects}
        hasher = SubjectHasher.for_data_dir(self.settings.data)
        courier = Courier(conn, client, self.settings.hub, self.settings.site_id,
                          more_coming=lambda: files_waiting(intake),
                          enrolment=lambda c: enrolment_counts(c, projects, hasher))
        try:
            while not self._stop.is_set():
                try:
                    courier.run(self._stop, self._queued)
                except Exception:
                    log.exception("courier step failed; retrying")
                    self._stop.wait(1.0)
        finally:
            client.close()
            conn.close()


def pipeline_main(settings: SpokeSettings, stop: SharedEvent, arrived: Sequence[SharedEvent],
                  parent: int) -> None:
    """Entry point of the child process. Killed with -9, the spoke cannot stop its pipeline: it leaves on its
    own, and whatever it was doing is redone by the next one (a group not yet recorded is still in the
    intake buffer)."""
    start_child(parent)  # the courier's priority: its workers (or its de-identifying thread) take a lower one
    with held_lock(settings.data / LOCK_FILE, stop) as held:
        if held and not stop.is_set():
            freeze_start_up()
            Pipeline(settings, stop, arrived).run()


class PipelineProcess:
    """The intake process's handle on the pipeline child: start, keep alive, stop."""

    def __init__(self, settings: SpokeSettings) -> None:
        self.settings = settings
        self.stop_event = SharedEvent(SPAWN)
        self.arrived = [SharedEvent(SPAWN) for _ in range(max(1, settings.deid_workers))]  # one per worker
        self._process: SpawnProcess | None = None
        self._restarts = 0
        self._revival = Revival()

    def start(self) -> None:
        self._process = SPAWN.Process(target=pipeline_main, name="spoke-pipeline", daemon=False,
                                       args=(self.settings, self.stop_event, self.arrived, os.getpid()))
        self._process.start()

    def notify_arrival(self) -> None:
        for event in self.arrived:
            event.set()

    def keep_alive(self, conn: Connection) -> None:
        """Called from the health loop: restart a pipeline that died (killed, out of memory)."""
        process = self._process
        if process is None or self.stop_event.is_set():
            return
        if process.is_alive():
            set_health(conn, "pipeline", f"running (pid {process.pid}, {self._restarts} restart(s))")
            return
        if self._revival.noticed():
            log.error("the de-identification and delivery process exited (code %s); restarting it",
                      process.exitcode)
            set_health(conn, "pipeline", f"exited with code {process.exitcode}; restarting")
        if self._revival.due():
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
