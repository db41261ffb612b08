"""Archive searches restricted to a caller's projects (ClinicalTrialProtocolID, a study attribute)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydicom.dataset import Dataset

from imaging_hub.dimse.archive import QuerySource
from imaging_hub.dimse.identifiers import ARCHIVE_LEVEL, PROJECT_KEY, UNIQUE_KEY

_LEVELS = ("PATIENT", "STUDY", "SERIES", "INSTANCE")
_STUDY_COUNTS = ("NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances")


def matchable(source: QuerySource, keyword: str, level: str) -> bool:
    """Whether the archive can match on ``keyword`` in a query at Q/R ``level``."""
    at = source.matching_level(keyword)
    return at is not None and _LEVELS.index(at) <= _LEVELS.index(ARCHIVE_LEVEL[level])


def search(
    archive: QuerySource, level: str, filters: dict[str, str], include: frozenset[str],
    projects: frozenset[str] | None,
) -> Iterator[Dataset]:
    """Matches of ``filters`` at Q/R ``level``, only within ``projects`` when that is not None.

    A restricted search runs once per allowed project (the archive matches one value per key), with the
    requestor's own ClinicalTrialProtocolID key as a further condition.
    """
    if projects is None:
        yield from archive.search(ARCHIVE_LEVEL[level], filters, include)
        return
    allowed = allowed_projects(projects, filters)
    if level == "PATIENT":
        yield from _patients(archive, filters, include, allowed)
        return
    seen: set[str] = set()
    unique = UNIQUE_KEY[level]
    for project in allowed:
        for match in archive.search(ARCHIVE_LEVEL[level], {**filters, PROJECT_KEY: project}, include):
            key = str(match.get(unique, "") or "")
            if key not in seen:  # e.g. a series answered once though two projects were searched
                seen.add(key)
                yield match


def allowed_projects(projects: frozenset[str], filters: dict[str, str]) -> list[str]:
    """The caller's projects that the query's own ClinicalTrialProtocolID key (if any) matches."""
    asked = filters.get(PROJECT_KEY, "")
    return [p for p in sorted(projects) if not asked or dicom_match(asked, p)]


def _patients(
    archive: QuerySource, filters: dict[str, str], include: frozenset[str], projects: list[str]
) -> Iterator[Dataset]:
    """Patient answers built from their in-scope studies, so counts never reveal studies out of scope."""
    patients: dict[str, Dataset] = {}
    for project in projects:
        for study in archive.search("STUDY", {**filters, PROJECT_KEY: project}, include):
            patient_id = str(study.get("PatientID", "") or "")
            patient = patients.get(patient_id)
            if patient is None:
                patient = patients[patient_id] = _patient_of(archive, study)
            patient.NumberOfPatientRelatedStudies = int(patient.NumberOfPatientRelatedStudies) + 1
            patient.NumberOfPatientRelatedSeries = int(patient.NumberOfPatientRelatedSeries) + _count(
                study, _STUDY_COUNTS[0]
            )
            patient.NumberOfPatientRelatedInstances = int(patient.NumberOfPatientRelatedInstances) + _count(
                study, _STUDY_COUNTS[1]
            )
    yield from patients.values()


def _patient_of(source: QuerySource, study: Dataset) -> Dataset:
    patient = Dataset()
    for element in study:
        if source.matching_level(element.keyword) == "PATIENT":
            patient.add(element)
    patient.NumberOfPatientRelatedStudies = 0
    patient.NumberOfPatientRelatedSeries = 0
    patient.NumberOfPatientRelatedInstances = 0
    return patient


def _count(study: Dataset, keyword: str) -> int:
    value = study.get(keyword)
    return int(value) if value not in (None, "") else 0


def dicom_match(pattern: str, value: str) -> bool:
    """PS3.4 C.2.2.2 single value / wildcard matching of one string (``*`` any run, ``?`` one character)."""
    if pattern in ("", "*"):
        return True
    return any(re.fullmatch(_wildcard(p), value) is not None for p in pattern.split("\\"))


def _wildcard(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
