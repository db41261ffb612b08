"""The hub's domain room: what the hub does with its archive beyond storing and serving it.

Reconciliation with the spokes (their reports kept in the index's database, answered with what the hub
holds) and withdrawal at the hub (removing what a site sent of a withdrawn participant). Both decide who may
do what and record it through an ``AuditSink`` the face provides; faces only parse, authorise the caller's
identity, call the room and render. ``StudyComplete`` is published on the archive's event bus when a spoke's
report makes a study complete and the hub holds every acknowledged instance.

Public surface::

    room = HubRoom.open(archive, audit=sink, events=None)       # runs the room's migrations
    room.reconciliation.receive(caller, ReconciliationReport) -> ReconciliationAnswer
    room.reconciliation.view(caller, project=None, site=None) -> {"summary": ..., "studies": [...]}  (audited)
    room.reconciliation.summary(allows, project=None, site=None)  (unaudited: the face records its view)
    room.withdrawals.withdraw(caller, WithdrawalRequest) -> WithdrawalAnswer
    room.spokes.receive(caller, SpokeHeartbeat)                 a spoke's heartbeat: up, backlog, recruitment counts
                                                                (audited on a change of state, never for counts)
    room.spokes.refused(caller, site, why)                      a heartbeat refused before the room (audited)
    room.spokes.contacts(sites) -> [SpokeContact]               spoke health (unaudited: the face records its view)
    Caller(name, kind, address, projects=None, sites=None); AuditEntry; AuditSink; no_audit
    Refused (not allowed: 403), InvalidRequest (malformed: 422)
    ArchiveForDicom(archive)                                    # the archive as the DIMSE engine's DicomArchive
    propose_scanners(archive, network_room) -> unsubscribe      # devices in arriving data -> register proposals
    catalogue_snapshots(gov, archive, catalogue, publisher, actor) -> keys   # released snapshots -> catalogue
    hub_activity(archive, resume=None) -> HubActivity           # arrivals per timepoint, enrolments (activity)
    spoke_recruitment(archive) -> SpokeRecruitment              # the spokes' recruitment counts (activity)
    hub_reads(archive, labelling_room, network_room) -> [ReadCompleted]   # labelling reads, reported worklist tasks
    study_imaging(project, archive, quality, labelling, network) -> StudyImaging  # timepoints, reads per participant
    studies = ReaderStudies(labelling_room, open_assurance_room)  # reader studies: labelling joined to assurance
    studies.create(StudyActor, StudyPlan) ; studies.refusal/aid(reader, task, study) ; analyse ; feedback

``ArchiveForDicom`` is hub domain, not a face: it is how the hub's store serves the DIMSE engine, and both it
imports (``store``, ``dimse``) are engines below this layer, so the api and the tests use it from here.
"""

from imaging_hub.hub.activity_feed import HubActivity, hub_activity
from imaging_hub.hub.caller import AuditEntry, AuditSink, Caller, InvalidRequest, Refused, no_audit
from imaging_hub.hub.catalogue_feed import catalogue_snapshots, put_entries
from imaging_hub.hub.dicom_archive import ArchiveForDicom
from imaging_hub.hub.portfolio_imaging import StudyImaging, study_imaging
from imaging_hub.hub.reader_studies import Aid, ReaderStudies, StudyActor, StudyPlan, reader_study_schema
from imaging_hub.hub.reads_feed import hub_reads, labelling_reads, worklist_reads
from imaging_hub.hub.recruitment_feed import SpokeRecruitment, spoke_recruitment
from imaging_hub.hub.room import HubRoom
from imaging_hub.hub.scanner_proposals import propose_scanners
from imaging_hub.hub.spoke_contact import UP_WITHIN, SpokeContact

__all__ = [
    "UP_WITHIN",
    "Aid",
    "ArchiveForDicom",
    "AuditEntry",
    "AuditSink",
    "Caller",
    "HubActivity",
    "HubRoom",
    "InvalidRequest",
    "ReaderStudies",
    "Refused",
    "SpokeContact",
    "SpokeRecruitment",
    "StudyActor",
    "StudyImaging",
    "StudyPlan",
    "catalogue_snapshots",
    "hub_activity",
    "hub_reads",
    "labelling_reads",
    "no_audit",
    "propose_scanners",
    "put_entries",
    "reader_study_schema",
    "spoke_recruitment",
    "study_imaging",
    "worklist_reads",
]
