"""Label objects (SEG, SR) stored over STOW-RS by a labelling role, who may store nothing else.

Governance's ``label_project`` decides each one from the projects the archive holds its study in. A label made
in the viewer seldom names its project (OHIF's SEG writer copies patient and study attributes, not the Clinical
Trial ones), so one without a ClinicalTrialProtocolID is filed under its study's: the Clinical Trial Subject
attributes it lacks are copied from a stored instance of the study into a new spool, and the response carries
Warning Reason 0xB000 (coercion of data elements) for it. The DIMSE path has no such rule: labels come in
through the viewer's DICOMweb, and a C-STORE peer sends for a site.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydicom import dcmread, dcmwrite

from imaging_hub.dicomweb import FailureReason, PartOutcome, ReceivedPart, failed_outcome
from imaging_hub.governance import LabelRefused, label_project
from imaging_hub.store import Archive, InvalidInstance, Query, Spool, StoredInstance

# The Clinical Trial Subject module (PS3.3 C.7.1.3): what files an instance under a project and site.
_TRIAL_SUBJECT = (
    "ClinicalTrialSponsorName",
    "ClinicalTrialProtocolID",
    "ClinicalTrialProtocolName",
    "ClinicalTrialSiteID",
    "ClinicalTrialSiteName",
    "ClinicalTrialSubjectID",
    "ClinicalTrialSubjectReadingID",
)


@dataclass(frozen=True)
class FiledLabel:
    spool: Spool  # what is stored: the part's own spool, or the coerced copy of it
    identity: tuple[str, str, str, str]
    coerced: bool


class LabelWrites:
    """The label parts of one request, checked against the archive (each study read once)."""

    def __init__(self, archive: Archive, labelling: frozenset[str]) -> None:
        self.archive = archive
        self.labelling = labelling
        self._studies: dict[str, list[StoredInstance]] = {}

    def file(self, part: ReceivedPart, identity: tuple[str, str, str, str], spool: Spool) -> FiledLabel | PartOutcome:
        """The part as it is to be stored, or its refusal (NOT_AUTHORIZED, audited as denied)."""
        sop_class, _, study, named = identity
        held = self._held(study)
        try:
            project = label_project(
                sop_class, named, frozenset(i.clinical_trial_protocol_id or "" for i in held), self.labelling
            )
        except LabelRefused as exc:
            return failed_outcome(identity, FailureReason.NOT_AUTHORIZED, f"part {part.index + 1}: {exc}")
        try:
            values = self.archive.inspect(spool).values  # well-formed as sent, before anything is read into memory
        except (InvalidInstance, OSError):
            return failed_outcome(identity, FailureReason.CANNOT_UNDERSTAND, f"part {part.index + 1} could not be read")
        if not self._fits(values, held):
            return failed_outcome(
                identity,
                FailureReason.NOT_AUTHORIZED,
                f"part {part.index + 1}: a label must be of its study's patient, in a series of no other study",
            )
        if named:
            return FiledLabel(spool, identity, coerced=False)
        try:
            coerced = self._coerced(spool, held[0])
        except Exception:  # pydicom raises many types on bad input; all mean "refused"
            return failed_outcome(identity, FailureReason.CANNOT_UNDERSTAND, f"part {part.index + 1} could not be read")
        try:
            stored_as = self.archive.inspect(coerced).values["ClinicalTrialProtocolID"]
        except InvalidInstance:
            stored_as = None
        if stored_as != project:
            self.archive.discard(coerced)
            return failed_outcome(identity, FailureReason.PROCESSING_FAILURE, f"part {part.index + 1} was not filed")
        return FiledLabel(coerced, (*identity[:3], project), coerced=True)

    def _fits(self, values: Mapping[str, Any], held: list[StoredInstance]) -> bool:
        """Whether the label joins its study as the index holds it: no other patient (a new patient row), no
        series of another study (its instance row would sit in that study's series)."""
        if (values.get("PatientID") or "") != held[0].patient_id:
            return False
        series_uid = str(values["SeriesInstanceUID"])
        if any(i.series_instance_uid == series_uid for i in held):
            return True
        found = self.archive.search(Query(level="SERIES", filters={"SeriesInstanceUID": series_uid}, limit=1))
        return not found

    def _held(self, study: str) -> list[StoredInstance]:
        if study not in self._studies:
            self._studies[study] = self.archive.instances(study) if study else []
        return self._studies[study]

    def _coerced(self, spool: Spool, source: StoredInstance) -> Spool:
        """A new spool: the part with the Clinical Trial Subject attributes it lacks, taken from ``source``."""
        with warnings.catch_warnings():  # pydicom may quote a (possibly identifiable) value in a warning
            warnings.simplefilter("ignore")
            label = dcmread(spool.path)
            study = dcmread(source.path, stop_before_pixels=True, specific_tags=list(_TRIAL_SUBJECT))
        for keyword in _TRIAL_SUBJECT:
            if keyword in study and keyword not in label:
                label[keyword] = study[keyword]
        buffer = io.BytesIO()
        dcmwrite(buffer, label, enforce_file_format=True)
        coerced = self.archive.spool()
        try:
            coerced.write(buffer.getbuffer())
            coerced.close()
        except BaseException:
            self.archive.discard(coerced)
            raise
        return coerced
