"""A reporter: where they may report, what they are expert in, when they are rostered and what they hold now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.reporting.roster import RosterSession, rostered


@dataclass
class ReporterLoad:
    """Work in hand. The router updates a copy of it as a batch proceeds."""

    stat_in_hand: int = 0
    workload: float = 0.0  # weighted by modality and body part
    by_subspecialty: dict[str, int] = field(default_factory=dict)

    def copy(self) -> ReporterLoad:
        return ReporterLoad(self.stat_in_hand, self.workload, dict(self.by_subspecialty))


@dataclass(frozen=True)
class Reporter:
    reporter_id: str
    home_site: str
    credentialed_sites: frozenset[str]
    subspecialties: frozenset[str] = frozenset()
    sessions: tuple[RosterSession, ...] = ()
    research_sessions: tuple[RosterSession, ...] = ()  # research reads are read here, in the job plan's research time
    share_targets: Mapping[str, float] = field(default_factory=dict)  # subspecialty -> target share of its work
    load: ReporterLoad = field(default_factory=ReporterLoad)

    def __post_init__(self) -> None:
        for subspecialty, share in self.share_targets.items():
            if not 0.0 <= share <= 1.0:
                raise NetworkInputError(
                    f"reporter {self.reporter_id}: the share target for {subspecialty} must be between 0 and 1"
                )

    def rostered_for(self, at: datetime, *, research: bool) -> bool:
        return rostered(self.research_sessions if research else self.sessions, at)
