"""Reads done, for research activity, without re-keying: joined here because the rooms know nothing of each other.

A labelling read is one read of its study, at the site the task's cohort gives that study, when it was
submitted. A reported worklist task is one read of the study whose Accession Number it names, found in the
archive; the archive gives the project (ClinicalTrialProtocolID) and the study, the task its site and the time
of the report. A task whose accession the archive does not hold belongs to no project and is tallied as such by
the count. Adjudicators' reads are reads too.
"""

from __future__ import annotations

from imaging_hub.labelling import LabellingRoom
from imaging_hub.network.activity import ReadCompleted
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.store import Archive, Query

REPORTED = "reported"


def labelling_reads(room: LabellingRoom) -> list[ReadCompleted]:
    found = []
    for task in room.tasks():
        sites = {s.study_uid: s.site for s in task.studies}
        for read in room.all_reads(task.id):
            key = f"labelling/{task.id}/{read.study_uid}/{read.reader}/{read.role}"
            found.append(ReadCompleted(task.project, sites.get(read.study_uid, ""), key, read.read_at, read.study_uid))
    return found


def worklist_reads(room: NetworkRoom, archive: Archive) -> list[ReadCompleted]:
    found = []
    studies: dict[str, tuple[str, str]] = {}
    for view in room.tasks(statuses=(REPORTED,)):
        if view.reported_at is None:
            continue
        accession = view.task.accession
        if accession not in studies:
            studies[accession] = _study_of(archive, accession)
        project, study_uid = studies[accession]
        found.append(ReadCompleted(project, view.task.site, f"worklist/{view.task.task_id}", view.reported_at,
                                   study_uid))
    return found


def hub_reads(archive: Archive, labelling: LabellingRoom | None, network: NetworkRoom | None) -> list[ReadCompleted]:
    """Every read the hub's rooms know of (a room not given adds none)."""
    return (labelling_reads(labelling) if labelling else []) + (worklist_reads(network, archive) if network else [])


def _study_of(archive: Archive, accession: str) -> tuple[str, str]:
    """(project, study UID) of the one study with this accession, or ('', '') when there is not exactly one."""
    if not accession or any(c in accession for c in "*?\\"):  # wildcards and lists would match other studies
        return "", ""
    query = Query("STUDY", {"AccessionNumber": accession}, frozenset({"ClinicalTrialProtocolID"}), limit=2)
    matches = archive.search(query)
    if len(matches) != 1:
        return "", ""
    return str(matches[0].get("ClinicalTrialProtocolID") or ""), str(matches[0].StudyInstanceUID)
