"""The hub's quality subscriber: QC of each series as it arrives, on Dask, without missing any across restarts.

Live events only wake it; the work always comes from the archive's durable change feed, read from the
position the room last finished. A batch's series are assessed, and only then is the position advanced, so
a crash replays the batch (at least once); results are keyed by the series' content hash and protocol
version, so a replay assesses nothing twice. A short settling delay lets a study's instances arrive
together before its series are assessed; a ``StudyComplete`` wakes it at once. After each catch-up, and at
each poll, projects whose protocol has a newer version than some of their results are assessed again.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from imaging_hub.cluster import ClusterChoice, KeptClient
from imaging_hub.events import InstanceRemoved, InstanceStored, StudyComplete
from imaging_hub.quality.hub_runs import run_project, run_touched
from imaging_hub.quality.jobs import RunSummary
from imaging_hub.quality.room import QualityRoom
from imaging_hub.store import Archive

if TYPE_CHECKING:
    from dask.distributed import Client

log = logging.getLogger(__name__)

POSITION = "hub-subscriber"  # the room's name for this subscriber's place in the change feed


class QualitySubscriber:
    """``start()`` catches up and then follows the archive; ``close()`` stops it and its Dask cluster."""

    def __init__(self, archive: Archive, room: QualityRoom, *, cluster: ClusterChoice | None = None,
                 settle_seconds: float = 2.0, poll_seconds: float = 60.0, batch: int = 500) -> None:
        self._archive = archive
        self._room = room
        self._cluster = cluster or ClusterChoice()
        self._settle = settle_seconds
        self._poll = poll_seconds
        self._batch = batch
        self._wake = threading.Event()
        self._settled_now = False  # a StudyComplete: no need to wait for more instances
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: list[object] = []
        self._dask_kept: KeptClient | None = None
        self._lock = threading.Lock()  # one catch-up at a time (the thread, or a caller of catch_up)
        self._rechecked: set[tuple[str, int]] = set()  # (project, protocol version) assessed again by recheck

    def start(self) -> QualitySubscriber:
        events = self._archive.events
        self._unsubscribe = [events.subscribe(InstanceStored, self._heard),
                             events.subscribe(InstanceRemoved, self._heard),
                             events.subscribe(StudyComplete, self._complete)]
        self._thread = threading.Thread(target=self._follow, name="quality-subscriber", daemon=True)
        self._thread.start()
        self._wake.set()  # catch up on whatever arrived while the hub was down
        return self

    def catch_up(self) -> RunSummary:
        """Assess every series the feed changed since the room's position; returns what was done."""
        total = RunSummary()
        with self._lock:
            while not self._stop.is_set():
                since = self._room.position(POSITION)
                changes = self._archive.changes(since=since, limit=self._batch)
                if not changes:
                    return total
                touched = [(c.project, c.study_instance_uid, c.series_instance_uid) for c in changes if c.project]
                if touched:
                    _count(total, run_touched(self._archive, self._room, touched, client=self._dask()))
                self._room.advance(POSITION, changes[-1].sequence)
        return total

    def recheck(self) -> RunSummary:
        """Assess again the projects with results checked against an earlier version of their protocol (a lead
        saved a new one, which the change feed does not carry): once per version, so a series that cannot be
        assessed is not retried at every wake."""
        total = RunSummary()
        with self._lock:
            for project, (version, older) in sorted(self._room.outdated().items()):
                if self._stop.is_set():
                    break
                if (project, version) in self._rechecked:
                    continue
                log.info("quality: %d series of %s checked against an earlier protocol: checking them against "
                         "version %d", older, project, version)
                _count(total, run_project(self._archive, self._room, project, client=self._dask()))
                self._rechecked.add((project, version))
        return total

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()  # type: ignore[operator]
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        if self._dask_kept is not None:
            self._dask_kept.close()
            self._dask_kept = None

    def __enter__(self) -> QualitySubscriber:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    def _heard(self, _event: InstanceStored | InstanceRemoved) -> None:
        self._wake.set()

    def _complete(self, _event: StudyComplete) -> None:
        self._settled_now = True
        self._wake.set()

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll)
            if self._stop.is_set():
                return
            self._wake.clear()
            if not self._settled_now:
                self._stop.wait(self._settle)  # let the rest of the study arrive
            self._settled_now = False
            try:
                self.catch_up()
                self.recheck()  # at most every poll: a new protocol version is seen within poll_seconds
            except Exception as exc:  # the next wake or poll tries again from the same position
                log.warning("quality: catching up failed (%s); will retry", type(exc).__name__)

    def _dask(self) -> Client:
        if self._dask_kept is None:  # started on first need: a hub with nothing arriving runs no cluster
            self._dask_kept = KeptClient(self._cluster)
        return self._dask_kept.client


def _count(total: RunSummary, summary: RunSummary) -> None:
    """Add a run to the total and log each series it could not assess (the reason's kind, never a value)."""
    total.add(summary)
    for _, reason in summary.failed:
        log.warning("quality: a series could not be assessed (%s)", reason.split(":", 1)[0])
