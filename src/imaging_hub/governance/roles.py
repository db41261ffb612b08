"""Roles a person holds, and what each lets them do. The one place authority is written down."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    NETWORK_ADMINISTRATOR = "network_administrator"  # network-wide: runs governance, not data access
    AUDITOR = "auditor"  # network-wide: reads governance objects and the audit trail
    SITE_DATA_MANAGER = "site_data_manager"  # a site: sends its data into the projects it takes part in
    PROJECT_LEAD = "project_lead"  # a project: defines it, releases snapshots
    RESEARCHER = "researcher"  # a project: reads its data under an agreement
    ANNOTATOR = "annotator"  # a project: reads its data to label it


NETWORK_ROLES = frozenset({Role.NETWORK_ADMINISTRATOR, Role.AUDITOR})
SITE_ROLES = frozenset({Role.SITE_DATA_MANAGER})
PROJECT_ROLES = frozenset({Role.PROJECT_LEAD, Role.RESEARCHER, Role.ANNOTATOR})
# Roles that read a project's imaging, and then only under an active data-sharing agreement.
DATA_READ_ROLES = frozenset({Role.PROJECT_LEAD, Role.RESEARCHER, Role.ANNOTATOR})
# Roles that label a project's data: they may store label objects for its studies (see DataAuthority).
LABELLING_ROLES = frozenset({Role.PROJECT_LEAD, Role.ANNOTATOR})
# Roles that see cohort counts unsuppressed.
UNSUPPRESSED_ROLES = frozenset({Role.PROJECT_LEAD, Role.NETWORK_ADMINISTRATOR, Role.AUDITOR})


class Scope(StrEnum):
    """What an API token may be used for; a token never carries more than its owner holds."""

    DICOM_READ = "dicom:read"
    DICOM_WRITE = "dicom:write"
    GOVERNANCE_READ = "governance:read"
    GOVERNANCE_WRITE = "governance:write"
    AUDIT_READ = "audit:read"
    EXPORT = "export"


ALL_SCOPES = frozenset(Scope)

# Which token scopes a role can use: a token may carry a scope only if its owner holds one of these roles.
# Reading and changing governance objects (at least one's own tokens) is open to every account.
SCOPE_ROLES: dict[Scope, frozenset[Role] | None] = {
    Scope.DICOM_READ: DATA_READ_ROLES,
    Scope.DICOM_WRITE: frozenset({Role.SITE_DATA_MANAGER, Role.PROJECT_LEAD}),
    Scope.GOVERNANCE_READ: None,
    Scope.GOVERNANCE_WRITE: None,
    Scope.AUDIT_READ: frozenset({Role.AUDITOR, Role.NETWORK_ADMINISTRATOR}),
    Scope.EXPORT: DATA_READ_ROLES,
}


def scopes_for_roles(roles: frozenset[Role]) -> frozenset[Scope]:
    """The scopes a person holding ``roles`` can give a token."""
    return frozenset(s for s, needed in SCOPE_ROLES.items() if needed is None or roles & needed)
