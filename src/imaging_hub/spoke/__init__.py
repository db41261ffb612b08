"""The site gateway (spoke): intake from hospital systems, enrolment and opt-out filtering, de-identification
at the edge, and durable, idempotent delivery to the hub with reconciliation.

Public surface::

    SpokeSettings, ProjectSettings, HubLink, PacsLink, OptOutPolicy     configuration
    AcquisitionRule                                                       a per-instance check before delivery
    Spoke(settings).start() / .stop() / .pull(project_id=None)          a running spoke
    connect(data_dir)                                                     the spoke's state database
    STATE_FILE_NAME                                                       its file name in the data folder
    request_pull(conn, project_id=None)                                   ask the running spoke to pull
    load_enrolment_file(conn, project_id, csv_path)  EnrolmentError      enrolment
    load_register_file(conn, path, hasher)  OptOutFileError  register_status(conn)   national data opt-out
    SubjectHasher.for_data_dir(data_dir)                                  keyed hashes for decision logs
    withdraw(conn, project_id, participant_id)  WithdrawalError          withdrawal
    study_reports(conn, project_id=None) -> [StudyReport]; classify(report)          reconciliation
    ReconciliationReport / ReconciliationAnswer / HeldStudy, WithdrawalRequest / WithdrawalAnswer   hub wire
    SpokeHeartbeat, current_heartbeat(conn, site_id, enrolled=None)          what the courier tells the hub it is up
    EnrolmentCount, enrolment_counts(conn, projects, hasher)              recruitment per project and month (counts)
    SpokeStatus.read(data_dir)                                            what `imaging-hub spoke status` shows
    ReviewDesk.for_data_dir(conn, data_dir), Reviewer(name, interface)   held instances: list, thumbnail, mask,
        release, reject (ReviewError, HeldItem, HELD, REJECTED); review_audit_entries(conn) their audit
"""

from imaging_hub.spoke.acquisition_rule import AcquisitionRule
from imaging_hub.spoke.delivery.heartbeat import HEARTBEAT_INTERVAL_S, SpokeHeartbeat, current_heartbeat
from imaging_hub.spoke.delivery.reconciliation import (
    HeldStudy,
    ReconciliationAnswer,
    ReconciliationReport,
    StudyReport,
    classify,
    study_reports,
)
from imaging_hub.spoke.pacs.pull import PullSummary
from imaging_hub.spoke.participants.enrolment import EnrolmentError, Participant, load_enrolment_file, participants
from imaging_hub.spoke.participants.identity import SubjectHasher, normalise_nhs_number
from imaging_hub.spoke.participants.optout import OptOutFileError
from imaging_hub.spoke.participants.recruitment import EnrolmentCount, enrolment_counts
from imaging_hub.spoke.participants.register import load_register_file, register_status
from imaging_hub.spoke.participants.withdrawal import WithdrawalAnswer, WithdrawalError, WithdrawalRequest, withdraw
from imaging_hub.spoke.review import (
    HELD,
    REJECTED,
    HeldItem,
    ReviewAuditEntry,
    ReviewDesk,
    Reviewer,
    ReviewError,
    review_audit_entries,
)
from imaging_hub.spoke.runtime.gateway import Spoke, SpokeAlreadyRunning
from imaging_hub.spoke.runtime.status import SpokeStatus
from imaging_hub.spoke.settings import HubLink, OptOutPolicy, PacsLink, ProjectSettings, SpokeSettings
from imaging_hub.spoke.state import FILE_NAME as STATE_FILE_NAME
from imaging_hub.spoke.state import connect, request_pull

__all__ = [
    "HEARTBEAT_INTERVAL_S",
    "HELD",
    "REJECTED",
    "STATE_FILE_NAME",
    "AcquisitionRule",
    "EnrolmentCount",
    "EnrolmentError",
    "HeldItem",
    "HeldStudy",
    "HubLink",
    "OptOutFileError",
    "OptOutPolicy",
    "PacsLink",
    "Participant",
    "ProjectSettings",
    "PullSummary",
    "ReconciliationAnswer",
    "ReconciliationReport",
    "ReviewAuditEntry",
    "ReviewDesk",
    "ReviewError",
    "Reviewer",
    "Spoke",
    "SpokeAlreadyRunning",
    "SpokeHeartbeat",
    "SpokeSettings",
    "SpokeStatus",
    "StudyReport",
    "SubjectHasher",
    "WithdrawalAnswer",
    "WithdrawalError",
    "WithdrawalRequest",
    "classify",
    "connect",
    "current_heartbeat",
    "enrolment_counts",
    "load_enrolment_file",
    "load_register_file",
    "normalise_nhs_number",
    "participants",
    "register_status",
    "request_pull",
    "review_audit_entries",
    "study_reports",
    "withdraw",
]
