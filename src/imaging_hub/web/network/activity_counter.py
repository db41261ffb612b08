"""The research activity the hub saw, counted for a page: arrivals and enrolments read on from the archive's
change feed where the last count stopped, and reads done from the labelling and network rooms (joined by
``hub.hub_reads``; the rooms stay independent), the spokes' recruitment counts (``hub.spoke_recruitment``),
plus the activity room's manual entries."""

from __future__ import annotations

import threading

from imaging_hub.hub import HubActivity, hub_activity, hub_reads, spoke_recruitment
from imaging_hub.labelling import LabellingRoom
from imaging_hub.network.activity import (
    ActivityReport,
    ActivityRoom,
    ParticipantEnrolled,
    StudyArrived,
    count_activity,
)
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.store import Archive


class ActivityCounter:
    """One reader of the change feed at a time; reads are read whole each time (the rooms keep them)."""

    def __init__(
        self,
        archive: Archive,
        room: ActivityRoom,
        labelling: LabellingRoom | None = None,
        network: NetworkRoom | None = None,
    ) -> None:
        self.archive, self.room, self.labelling, self.network = archive, room, labelling, network
        self._seen: HubActivity | None = None
        self._arrivals: list[StudyArrived] = []
        self._enrolments: list[ParticipantEnrolled] = []
        self._lock = threading.Lock()

    def report(self, sites: set[str] | None) -> ActivityReport:
        with self._lock:  # a resumed count returns only what came since: keep what came before
            self._seen = hub_activity(self.archive, resume=self._seen)
            self._arrivals += self._seen.arrivals
            self._enrolments += self._seen.enrolments
            arrivals, enrolments = list(self._arrivals), list(self._enrolments)
        reads = hub_reads(self.archive, self.labelling, self.network)
        spokes = spoke_recruitment(self.archive)
        wanted = (lambda site: True) if sites is None else (lambda site: site in sites)
        return count_activity(
            self.room.studies(),
            arrivals=[a for a in arrivals if wanted(a.site)],
            reads=[r for r in reads if wanted(r.site)],
            enrolments=[e for e in enrolments if wanted(e.site)],
            manual=self.room.manual(sites),
            recruited=[c for c in spokes.counts if wanted(c.site)],
            recruiting_sites={s for s in spokes.sites if wanted(s)},
        )
