"""A portfolio study's imaging as the hub's rooms already describe it, so a network manager need not re-key it:
the timepoints from the project's acquisition protocol (its ``timepoints``, in the quality room) and the reads per
participant from its reading work (the labelling tasks' reads per study over their cohorts, plus the worklist
tasks on its studies, per participant of those studies as the archive names them by ClinicalTrialSubjectID).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from imaging_hub.labelling import LabellingRoom
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.quality import QualityRoom
from imaging_hub.store import Archive, Query


@dataclass(frozen=True)
class StudyImaging:
    """What the rooms say; ``None`` where no room knows (the person types it then)."""

    timepoints: tuple[str, ...] | None
    reads_per_participant: int | None
    planned_reads: int = 0
    participants: int = 0


def study_imaging(
    project: str,
    archive: Archive,
    quality: QualityRoom | None = None,
    labelling: LabellingRoom | None = None,
    network: NetworkRoom | None = None,
) -> StudyImaging:
    stored = quality.protocol(project) if quality else None
    timepoints = tuple(stored.protocol.timepoints) if stored and stored.protocol.timepoints else None
    subject_of = _subjects(archive, project)
    planned, read_studies = 0, set()
    for task in labelling.tasks(project) if labelling else []:
        planned += task.reads_per_study * len(task.studies)
        read_studies |= {s.study_uid for s in task.studies}
    if network is not None:
        accessions = _accessions(archive, project)
        for view in network.tasks():
            study = accessions.get(view.task.accession)
            if study is not None:
                planned += 1
                read_studies.add(study)
    participants = len({subject_of[s] for s in read_studies if s in subject_of})
    if not planned or not participants:
        return StudyImaging(timepoints, None, planned, participants)
    per = (Decimal(planned) / participants).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return StudyImaging(timepoints, int(per), planned, participants)


def _subjects(archive: Archive, project: str) -> dict[str, str]:
    query = Query("STUDY", {"ClinicalTrialProtocolID": project}, frozenset({"ClinicalTrialSubjectID"}))
    return {str(ds.StudyInstanceUID): str(ds.get("ClinicalTrialSubjectID") or "") for ds in archive.search(query)
            if ds.get("ClinicalTrialSubjectID")}


def _accessions(archive: Archive, project: str) -> dict[str, str]:
    query = Query("STUDY", {"ClinicalTrialProtocolID": project}, frozenset({"AccessionNumber"}))
    return {str(ds.AccessionNumber): str(ds.StudyInstanceUID) for ds in archive.search(query)
            if ds.get("AccessionNumber")}
