"""The site gateway (spoke): intake from hospital systems, enrolment and opt-out filtering, de-identification
at the edge, and durable, idempotent delivery to the hub with reconciliation.

Public surface::

    SpokeSettings, ProjectSettings, HubLink, PacsLink, OptOutPolicy     configuration
    AcquisitionRule                                                       a per-instance check before delivery
    Spoke(settings).start() / .stop() / .pull(project_id=None)          a running spoke
    connect(data_dir)                                                     the spoke's state database
    request_pull(conn, project_id=None)                                   ask the running spoke to pull
    load_enrolment_file(conn, project_id, csv_path)  EnrolmentError      enrolment
    load_register_file(conn, path, hasher)  OptOutFileError  register_status(conn)   national data opt-out
    SubjectHasher.for_data_dir(data_dir)                                  keyed hashes for decision logs
    withdraw(conn, project_id, participant_id)  WithdrawalError          withdrawal
    study_reports(conn, project_id=None) -> [StudyReport]; classify(report)          reconciliation
    ReconciliationReport / ReconciliationAnswer / HeldStudy, WithdrawalRequest / WithdrawalAnswer   hub wire
    SpokeStatus.read(data_dir)                                            what `imaging-hub spoke status` shows
"""

from imaging_hub.spoke.acquisition_rule import AcquisitionRule
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
from imaging_hub.spoke.participants.register import load_register_file, register_status
from imaging_hub.spoke.participants.withdrawal import WithdrawalAnswer, WithdrawalError, WithdrawalRequest, withdraw
from imaging_hub.spoke.runtime.gateway import Spoke, SpokeAlreadyRunning
from imaging_hub.spoke.runtime.status import SpokeStatus
from imaging_hub.spoke.settings import HubLink, OptOutPolicy, PacsLink, ProjectSettings, SpokeSettings
from imaging_hub.spoke.state import connect, request_pull

__all__ = [
    "AcquisitionRule",
    "EnrolmentError",
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
    "Spoke",
    "SpokeAlreadyRunning",
    "SpokeSettings",
    "SpokeStatus",
    "StudyReport",
    "SubjectHasher",
    "WithdrawalAnswer",
    "WithdrawalError",
    "WithdrawalRequest",
    "classify",
    "connect",
    "load_enrolment_file",
    "load_register_file",
    "normalise_nhs_number",
    "participants",
    "register_status",
    "request_pull",
    "study_reports",
    "withdraw",
]
