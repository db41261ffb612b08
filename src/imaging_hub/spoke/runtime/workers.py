"""De-identification worker processes, each working its own share of the intake buffer.

pynetdicom, the courier's TLS and de-identification are all Python and need the interpreter lock, so
de-identification runs in processes of its own. Each worker lists, de-identifies and records its share
(``Processor``) by itself: nothing is handed from process to process, and a worker that dies (killed, out
of memory) holds up only its own share until the pipeline starts it again, as its successor redoes whatever
it had not recorded.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Sequence
from multiprocessing.context import SpawnProcess

from imaging_hub.heap import freeze_start_up
from imaging_hub.spoke.delivery.outbox import Outbox
from imaging_hub.spoke.intake.buffer import IntakeBuffer, Share
from imaging_hub.spoke.pipeline.deid_work import WorkContext
from imaging_hub.spoke.pipeline.processor import GROUP_LINGER_S, Processor
from imaging_hub.spoke.runtime.lifetime import Revival, start_child
from imaging_hub.spoke.runtime.lockfile import held_lock
from imaging_hub.spoke.runtime.shared_event import SharedEvent
from imaging_hub.spoke.settings import SpokeSettings
from imaging_hub.spoke.state import connect

log = logging.getLogger(__name__)

SPAWN = multiprocessing.get_context("spawn")  # not fork: the spoke's processes run threads and hold sockets
IDLE_WAIT_S = 0.5  # an arrival wakes a worker at once; this bounds the wait should a wake-up be missed


def make_processor(settings: SpokeSettings, share: Share) -> Processor:
    """The processor of one share. Run only by the share's lock holder: it clears what a predecessor on the
    same share left half-written in the outbox."""
    conn = connect(settings.data)
    intake = IntakeBuffer(settings.data / "intake", fsync=settings.intake_fsync)
    writer = f"w{share.part}"
    outbox = Outbox(settings.data / "outbox", fsync=settings.intake_fsync, writer=writer)
    outbox.remove_stale(writer)
    return Processor(conn, intake, WorkContext.for_settings(settings, conn, outbox), share)


def work(processor: Processor, arrived: SharedEvent, queued: SharedEvent, stop: SharedEvent) -> None:
    """De-identify groups until ``stop``; sleep on ``arrived`` when the share is empty, set ``queued`` when
    something was queued for the courier."""
    while not stop.is_set():
        arrived.clear()  # before looking: an arrival from here on is seen now or wakes the wait below
        try:
            result = processor.run_once(GROUP_LINGER_S, stop.wait)
        except Exception:
            log.exception("de-identification step failed; retrying")
            stop.wait(1.0)
            continue
        if result.queued:
            queued.set()
        if not result.files:
            arrived.wait(IDLE_WAIT_S)


def worker_main(settings: SpokeSettings, share: Share, arrived: SharedEvent, queued: SharedEvent,
                stop: SharedEvent, ready: SharedEvent, parent: int) -> None:
    """Entry point of a worker process; ``ready`` is set once it is about to take work."""
    start_child(parent, settings.background_nice)
    with held_lock(settings.data / f"deid-worker-{share.part}.lock", stop) as held:
        if not held or stop.is_set():
            return
        processor = make_processor(settings, share)
        freeze_start_up()
        ready.set()
        work(processor, arrived, queued, stop)


class DeidWorkers:
    """The pipeline process's worker processes: one per ``arrived`` event (woken by the intake process on
    every arrival), started, restarted when they die, stopped with ``stop``."""

    def __init__(self, settings: SpokeSettings, arrived: Sequence[SharedEvent], queued: SharedEvent,
                 stop: SharedEvent) -> None:
        self._settings = settings
        self._arrived = list(arrived)
        self._queued = queued
        self._stop = stop
        self._processes: list[SpawnProcess | None] = [None] * len(self._arrived)
        self._ready = [SharedEvent(SPAWN) for _ in self._arrived]
        self._revivals = [Revival() for _ in self._arrived]
        self.restarts = 0

    def start(self) -> None:
        for index in range(len(self._processes)):
            self._start(index)

    def _start(self, index: int) -> None:
        share = Share(index, len(self._processes))
        self._ready[index].clear()
        process = SPAWN.Process(target=worker_main, name=f"spoke-deid-{index}", daemon=False, args=(
            self._settings, share, self._arrived[index], self._queued, self._stop, self._ready[index], os.getpid()))
        process.start()
        self._processes[index] = process

    def pids(self) -> list[int]:
        return [p.pid for p in self._processes if p is not None and p.pid is not None and p.is_alive()]

    def describe(self) -> str:
        ready = sum(1 for p, r in zip(self._processes, self._ready, strict=True)
                    if p is not None and p.is_alive() and r.is_set())
        return f"{ready} of {len(self._processes)} ready, {self.restarts} restart(s)"

    def keep_alive(self) -> None:
        """Restart, after a short delay, any worker that died."""
        if self._stop.is_set():
            return
        for index, process in enumerate(self._processes):
            if process is None or process.is_alive():
                continue
            if self._revivals[index].noticed():
                log.error("de-identification worker %d exited (code %s); restarting it", index, process.exitcode)
            elif self._revivals[index].due():
                self.restarts += 1
                self._start(index)

    def join(self, timeout: float) -> None:
        """After ``stop`` is set: wait for each worker to finish its group, then terminate any still running."""
        deadline = time.time() + timeout
        for process in self._processes:
            if process is not None:
                process.join(max(0.0, deadline - time.time()))
        for process in self._processes:
            if process is not None and process.is_alive():
                log.error("a de-identification worker did not stop in %.0fs; terminating it", timeout)
                process.terminate()
                process.join(10)
