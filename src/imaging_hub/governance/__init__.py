"""Governance: who may do what with which project's data, under which agreement, and the record of it.

Public surface: ``Governance`` (open one per process), the ``Principal`` it recognises callers as, roles and
token scopes, agreement states, errors, the audit trail types, clocks and small-number suppression.
``governance.administration`` sets a network up by name (first administrator, sites, people, projects,
agreements, tokens, DICOM peers) for the CLI and scripts; ``governance.dimse_scope.DimseScopes`` scopes DICOM peers.
"""

from imaging_hub.governance.agreements import AgreementState, effective_state, is_in_force
from imaging_hub.governance.audit import AuditFilter, AuditRecord, VerifyReport, to_fhir_bundle
from imaging_hub.governance.clock import Clock, SettableClock, system_clock
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
from imaging_hub.governance.principal import SYSTEM, Grant, Principal
from imaging_hub.governance.roles import ALL_SCOPES, Role, Scope
from imaging_hub.governance.service import Governance
from imaging_hub.governance.suppression import suppress

__all__ = [
    "ALL_SCOPES",
    "SYSTEM",
    "AgreementState",
    "AuditFilter",
    "AuditRecord",
    "Clock",
    "ExportIntegrityError",
    "Forbidden",
    "Governance",
    "GovernanceError",
    "Grant",
    "InstanceRef",
    "InstanceSource",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "Principal",
    "Role",
    "Scope",
    "SettableClock",
    "Unauthenticated",
    "VerifyReport",
    "effective_state",
    "is_in_force",
    "suppress",
    "system_clock",
    "to_fhir_bundle",
]
