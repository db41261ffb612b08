"""Governance: who may do what with which project's data, under which agreement, and the record of it.

Public surface: ``Governance`` (open one per process), the ``Principal`` it recognises callers as, roles and
token scopes, agreement states, errors, the audit trail types (``TrailSink``: a domain room's audit sink onto
the trail), clocks and small-number suppression.
``administration`` sets a network up by name (first administrator, sites, people, projects, agreements,
tokens, DICOM peers) for the CLI and scripts, ``listing`` reads it back, ``offboarding`` ends access;
``DimseScopes`` scopes DICOM peers; ``ArchiveSource`` is the archive as governance reads it; ``StudyCatalogue``
(with ``StudyFilters``) is a project's studies as a person may browse them; ``csrf_token`` binds web forms to a
session; ``label_project`` decides where a labelling role's label is stored; the table rows (``Agreement``,
``ApiToken``, ``AuditEntry``, ``Person``, ``Project``, ``Snapshot``) are what the faces render.
"""

from imaging_hub.governance import administration, listing, offboarding
from imaging_hub.governance.access import SESSION_LIFETIME
from imaging_hub.governance.agreements import AgreementState, decisions_from, effective_state, is_in_force
from imaging_hub.governance.archive_source import ArchiveSource
from imaging_hub.governance.audit import (
    AuditFilter,
    AuditRecord,
    Checkpoint,
    TrailSink,
    VerifyReport,
    read_checkpoint,
    to_fhir_audit_event,
    to_fhir_bundle,
    write_checkpoint,
)
from imaging_hub.governance.authority import LABEL_SOP_CLASSES, LabelRefused, label_project
from imaging_hub.governance.caller_cache import CallerCache
from imaging_hub.governance.clock import Clock, SettableClock, system_clock
from imaging_hub.governance.credentials import csrf_token
from imaging_hub.governance.dimse_scope import DimseScopes
from imaging_hub.governance.errors import (
    Forbidden,
    GovernanceError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Unauthenticated,
)
from imaging_hub.governance.exports import ExportIntegrityError
from imaging_hub.governance.instances import InstanceRef, InstanceSource
from imaging_hub.governance.lifecycle import PHASE_MEANINGS, ProjectPhase, project_phase
from imaging_hub.governance.principal import SYSTEM, Grant, Principal
from imaging_hub.governance.roles import ALL_SCOPES, SITE_ROLES, UNSUPPRESSED_ROLES, Role, Scope, scopes_for_roles
from imaging_hub.governance.service import Governance
from imaging_hub.governance.shown_phase import project_phases
from imaging_hub.governance.study_catalogue import SeriesRow, StudyCatalogue, StudyDetail, StudyPage, StudyRow
from imaging_hub.governance.study_filters import StudyFilters
from imaging_hub.governance.suppression import (
    breakdown_shown,
    cohort_cells,
    is_small,
    sees_exact_counts,
    suppress,
    withhold_related_counts,
)
from imaging_hub.governance.tables import Agreement, ApiToken, AuditEntry, Person, Project, Snapshot
from imaging_hub.governance.throttle import SignInLimits, SignInThrottled

__all__ = [
    "ALL_SCOPES",
    "LABEL_SOP_CLASSES",
    "PHASE_MEANINGS",
    "SESSION_LIFETIME",
    "SITE_ROLES",
    "SYSTEM",
    "UNSUPPRESSED_ROLES",
    "Agreement",
    "AgreementState",
    "ApiToken",
    "ArchiveSource",
    "AuditEntry",
    "AuditFilter",
    "AuditRecord",
    "CallerCache",
    "Checkpoint",
    "Clock",
    "DimseScopes",
    "ExportIntegrityError",
    "Forbidden",
    "Governance",
    "GovernanceError",
    "Grant",
    "InstanceRef",
    "InstanceSource",
    "InvalidInput",
    "InvalidTransition",
    "LabelRefused",
    "NotFound",
    "Person",
    "Principal",
    "Project",
    "ProjectPhase",
    "Role",
    "Scope",
    "SeriesRow",
    "SettableClock",
    "SignInLimits",
    "SignInThrottled",
    "Snapshot",
    "StudyCatalogue",
    "StudyDetail",
    "StudyFilters",
    "StudyPage",
    "StudyRow",
    "TrailSink",
    "Unauthenticated",
    "VerifyReport",
    "administration",
    "breakdown_shown",
    "cohort_cells",
    "csrf_token",
    "decisions_from",
    "effective_state",
    "is_in_force",
    "is_small",
    "label_project",
    "listing",
    "offboarding",
    "project_phase",
    "project_phases",
    "read_checkpoint",
    "scopes_for_roles",
    "sees_exact_counts",
    "suppress",
    "system_clock",
    "to_fhir_audit_event",
    "to_fhir_bundle",
    "withhold_related_counts",
    "write_checkpoint",
]
