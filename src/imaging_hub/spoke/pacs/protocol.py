"""What the spoke asks of a hospital PACS: which studies a patient has (with series and instance counts,
which become the reconciliation's "expected"), and to send the wanted series to the spoke."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke.settings import PatientKey


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


class PacsError(ImagingHubError):
    """The PACS could not answer or retrieve (the message names the operation and the status)."""


def check_series_answered(listed: int | None, series: tuple[SeriesFound, ...]) -> None:
    """Refuse a study whose series query answered fewer series than its study-level Number of Study Related
    Series: an answer lost on the way (a dropped response, truncated results) would otherwise shrink what
    is "expected", and an incomplete study would be reported complete."""
    if listed is not None and len(series) < listed:
        raise PacsError(f"a study's series query answered {len(series)} of the {listed} series the PACS lists for it")


class Pacs(Protocol):
    def find_studies(self, patient_id: str, date_from: str, date_to: str, *,
                     key: PatientKey = "PatientID") -> list[StudyFound]:
        """Studies of the patient whose ``key`` attribute holds ``patient_id``. Results that do not show
        that value back (a PACS that ignores a key it cannot match returns everything) are left out."""
        ...

    def retrieve(self, study_uid: str, series_uids: list[str]) -> int:
        """Bring the series into the intake buffer; return how many instances arrived (or were sent)."""
        ...
