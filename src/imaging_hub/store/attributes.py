"""The indexed attributes: for each DICOM keyword, its query level, index column and how it matches.

This table drives ingest (what to read from a header), matching (which column, which rule) and results
(which VR the returned element gets, via the DICOM dictionary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["PATIENT", "STUDY", "SERIES", "INSTANCE"]
LEVELS: tuple[Level, ...] = ("PATIENT", "STUDY", "SERIES", "INSTANCE")
# uid: single or list; date/time: single or range; name: PN, case-insensitive wildcard; text: case-sensitive
# wildcard; int: exact; modalities: any series of the study; count: computed, return only.
Kind = Literal["uid", "date", "time", "name", "text", "int", "modalities", "count"]


@dataclass(frozen=True)
class Attribute:
    keyword: str
    level: Level
    column: str
    kind: Kind

    @property
    def table(self) -> str:
        return self.level.lower()


_ROWS: tuple[tuple[str, Level, str, Kind], ...] = (
    ("PatientName", "PATIENT", "patient_name", "name"),
    ("PatientID", "PATIENT", "patient_id", "text"),
    ("PatientBirthDate", "PATIENT", "patient_birth_date", "date"),
    ("PatientSex", "PATIENT", "patient_sex", "text"),
    ("NumberOfPatientRelatedStudies", "PATIENT", "num_studies", "count"),
    ("NumberOfPatientRelatedSeries", "PATIENT", "num_series", "count"),
    ("NumberOfPatientRelatedInstances", "PATIENT", "num_instances", "count"),
    ("StudyInstanceUID", "STUDY", "study_instance_uid", "uid"),
    ("StudyDate", "STUDY", "study_date", "date"),
    ("StudyTime", "STUDY", "study_time", "time"),
    ("AccessionNumber", "STUDY", "accession_number", "text"),
    ("ReferringPhysicianName", "STUDY", "referring_physician_name", "name"),
    ("StudyID", "STUDY", "study_id", "text"),
    ("StudyDescription", "STUDY", "study_description", "text"),
    ("ModalitiesInStudy", "STUDY", "modalities_in_study", "modalities"),
    ("ClinicalTrialProtocolID", "STUDY", "clinical_trial_protocol_id", "text"),
    ("ClinicalTrialSiteID", "STUDY", "clinical_trial_site_id", "text"),
    ("ClinicalTrialSubjectID", "STUDY", "clinical_trial_subject_id", "text"),
    ("NumberOfStudyRelatedSeries", "STUDY", "num_series", "count"),
    ("NumberOfStudyRelatedInstances", "STUDY", "num_instances", "count"),
    ("SeriesInstanceUID", "SERIES", "series_instance_uid", "uid"),
    ("Modality", "SERIES", "modality", "text"),
    ("SeriesNumber", "SERIES", "series_number", "int"),
    ("SeriesDescription", "SERIES", "series_description", "text"),
    ("BodyPartExamined", "SERIES", "body_part_examined", "text"),
    ("Manufacturer", "SERIES", "manufacturer", "text"),
    ("InstitutionName", "SERIES", "institution_name", "text"),
    ("PerformedProcedureStepStartDate", "SERIES", "performed_procedure_step_start_date", "date"),
    ("PerformedProcedureStepStartTime", "SERIES", "performed_procedure_step_start_time", "time"),
    ("NumberOfSeriesRelatedInstances", "SERIES", "num_instances", "count"),
    ("SOPInstanceUID", "INSTANCE", "sop_instance_uid", "uid"),
    ("SOPClassUID", "INSTANCE", "sop_class_uid", "uid"),
    ("InstanceNumber", "INSTANCE", "instance_number", "int"),
    ("Rows", "INSTANCE", "rows", "int"),
    ("Columns", "INSTANCE", "columns", "int"),
    ("BitsAllocated", "INSTANCE", "bits_allocated", "int"),
    ("NumberOfFrames", "INSTANCE", "number_of_frames", "int"),
)

ATTRIBUTES: dict[str, Attribute] = {row[0]: Attribute(*row) for row in _ROWS}

# Read from each incoming header: everything indexed except what the archive computes.
HEADER_KEYWORDS: tuple[str, ...] = tuple(
    a.keyword for a in ATTRIBUTES.values() if a.kind not in ("count", "modalities")
)

# PS3.18 Table 10.6.3-3/4/5 default return attributes (those the index holds), plus the UIDs of the levels
# above so a caller can build retrieve URLs.
DEFAULT_RETURN: dict[Level, tuple[str, ...]] = {
    "PATIENT": (
        "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
        "NumberOfPatientRelatedStudies", "NumberOfPatientRelatedSeries", "NumberOfPatientRelatedInstances",
    ),
    "STUDY": (
        "StudyDate", "StudyTime", "AccessionNumber", "ModalitiesInStudy", "ReferringPhysicianName",
        "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyID",
        "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances",
    ),
    "SERIES": (
        "StudyInstanceUID", "Modality", "SeriesDescription", "SeriesInstanceUID", "SeriesNumber",
        "NumberOfSeriesRelatedInstances", "PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime",
    ),
    "INSTANCE": (
        "StudyInstanceUID", "SeriesInstanceUID", "SOPClassUID", "SOPInstanceUID", "InstanceNumber",
        "Rows", "Columns", "BitsAllocated", "NumberOfFrames",
    ),
}


def level_rank(level: Level) -> int:
    return LEVELS.index(level)
