"""A reporting pathway and its turnaround target: the time from acquisition by which a report is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from imaging_hub.network.errors import NetworkInputError

# No pathway may let a study wait longer than four weeks for its report, whatever a site configures.
MAXIMUM_TURNAROUND = timedelta(days=28)


@dataclass(frozen=True)
class Pathway:
    """A clinical overflow or research read pathway. Research reads are read in reporters' research sessions."""

    name: str
    turnaround: timedelta
    research: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise NetworkInputError("a pathway needs a name")
        if self.turnaround <= timedelta(0):
            raise NetworkInputError(f"pathway {self.name}: the turnaround target must be positive")
        if self.turnaround > MAXIMUM_TURNAROUND:
            raise NetworkInputError(
                f"pathway {self.name}: a turnaround target of {self.turnaround} is beyond the 28-day maximum"
            )
