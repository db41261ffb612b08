"""A reporting task: a study that needs a report, from clinical overflow or a research read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.reporting.pathways import Pathway
from imaging_hub.network.reporting.priority import Priority


@dataclass(frozen=True)
class ReportingTask:
    """One study to report. The due time follows from its pathway's turnaround target."""

    task_id: str
    accession: str
    site: str
    modality: str
    body_part: str
    priority: Priority
    acquired_at: datetime
    pathway: Pathway
    subspecialty: str | None = None
    blinded: bool = False  # a blinded read: the face hides clinical details from the reporter

    def __post_init__(self) -> None:
        if self.acquired_at.tzinfo is None:
            raise NetworkInputError(f"task {self.task_id}: the acquisition time needs a UTC offset")

    @property
    def due_at(self) -> datetime:
        return self.acquired_at + self.pathway.turnaround

    @property
    def research(self) -> bool:
        return self.pathway.research

    def time_left(self, at: datetime) -> timedelta:
        """Before breach; negative once breached."""
        return self.due_at - at
