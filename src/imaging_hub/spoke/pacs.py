"""What the spoke asks of a hospital PACS: which studies a patient has (with series and instance counts,
which become the reconciliation's "expected"), and to send the wanted series to the spoke."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SeriesFound:
    series_uid: str
    modality: str
    instances: int | None


@dataclass(frozen=True)
class StudyFound:
    study_uid: str
    study_date: str
    series: tuple[SeriesFound, ...]


class PacsError(Exception):
    """The PACS could not answer or retrieve (the message names the operation and the status)."""


class Pacs(Protocol):
    def find_studies(self, patient_id: str, date_from: str, date_to: str) -> list[StudyFound]: ...

    def retrieve(self, study_uid: str, series_uids: list[str]) -> int:
        """Bring the series into the intake buffer; return how many instances arrived (or were sent)."""
        ...
