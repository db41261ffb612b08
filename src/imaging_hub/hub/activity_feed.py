"""Research activity from what arrived at the hub, without re-keying: each study that arrived counts once for its
protocol timepoint (ClinicalTrialTimePointID), and a participant's first study at the hub stands for their
enrolment at the spoke that sent it (the pseudonym in ClinicalTrialSubjectID, else PatientID).

Read from the archive's durable change feed, so a count resumes where the last stopped and never misses a commit;
one stored header is read per new study. Withdrawn data stays counted: the activity happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydicom import dcmread

from imaging_hub.events import InstanceStored
from imaging_hub.network.activity import UNSTATED, ParticipantEnrolled, StudyArrived
from imaging_hub.store import Archive


@dataclass
class HubActivity:
    """The records found since the last count; pass it back as ``resume`` to count only what came after."""

    arrivals: list[StudyArrived] = field(default_factory=list)
    enrolments: list[ParticipantEnrolled] = field(default_factory=list)
    last_sequence: int = 0
    studies: set[str] = field(default_factory=set, repr=False)  # counted so far, so a study counts once
    participants: set[tuple[str, str]] = field(default_factory=set, repr=False)


def hub_activity(archive: Archive, resume: HubActivity | None = None, batch: int = 500) -> HubActivity:
    found = HubActivity(
        last_sequence=resume.last_sequence if resume else 0,
        studies=set(resume.studies) if resume else set(),
        participants=set(resume.participants) if resume else set(),
    )
    studies, participants = found.studies, found.participants
    while True:
        changes = archive.changes(since=found.last_sequence, limit=batch)
        if not changes:
            return found
        for change in changes:
            found.last_sequence = change.sequence
            if not isinstance(change, InstanceStored) or not change.project or change.study_instance_uid in studies:
                continue
            studies.add(change.study_instance_uid)
            stored = archive.get(change.sop_instance_uid)
            if stored is None:  # removed since; its study is counted when another of its instances is seen
                studies.discard(change.study_instance_uid)
                continue
            header = dcmread(
                stored.path,
                stop_before_pixels=True,
                specific_tags=["ClinicalTrialTimePointID", "ClinicalTrialSubjectID", "PatientID"],
            )
            timepoint = str(header.get("ClinicalTrialTimePointID") or "").strip() or UNSTATED
            found.arrivals.append(
                StudyArrived(change.project, change.site, timepoint, change.study_instance_uid, change.recorded_at)
            )
            who = str(header.get("ClinicalTrialSubjectID") or header.get("PatientID") or "").strip()
            if who and (change.project, who) not in participants:
                participants.add((change.project, who))
                found.enrolments.append(ParticipantEnrolled(change.project, change.site, who, change.recorded_at))
