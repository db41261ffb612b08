"""A requested research visit: what the project's acquisition protocol needs for one participant's timepoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from imaging_hub.network.capacity.sites import check_coordinates
from imaging_hub.network.errors import NetworkInputError


@dataclass(frozen=True)
class VisitRequest:
    visit_id: str
    participant: str  # the project's pseudonym, never a hospital identifier
    project: str
    timepoint: str
    minutes: int
    modality: str
    earliest: date
    latest: date
    capabilities: frozenset[str] = frozenset()
    same_scanner: bool = False  # longitudinal rule: all this participant's visits in the project on one scanner
    previous_scanner: str | None = None  # where earlier visits were scanned, when the rule applies to them
    home: tuple[float, float] | None = None  # latitude, longitude (e.g. of the postcode district)

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise NetworkInputError(f"visit {self.visit_id}: minutes must be positive")
        if self.latest < self.earliest:
            raise NetworkInputError(f"visit {self.visit_id}: the latest date is before the earliest")
        if self.home is not None:
            check_coordinates(*self.home, f"visit {self.visit_id}")

    @property
    def longitudinal_group(self) -> tuple[str, str] | None:
        return (self.project, self.participant) if self.same_scanner else None
