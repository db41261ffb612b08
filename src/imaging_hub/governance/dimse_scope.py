"""DICOM peers' scopes: the AE title and address map to an account, the account to the projects it may read.

An unmapped peer sees nothing (an empty scope, not an error) and the refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub.governance.audit import AuditRecord
from imaging_hub.governance.errors import Unauthenticated
from imaging_hub.governance.service import Governance


@dataclass(frozen=True)
class DimseScope:
    principal: str
    projects: frozenset[str]
    purpose: str = "research"


class DimseScopes:
    """``scope_for(calling_ae, address)`` for ``imaging_hub.dimse.DicomServer``."""

    def __init__(self, gov: Governance) -> None:
        self._gov = gov

    def __call__(self, calling_ae: str, address: str) -> DimseScope:
        try:
            principal = self._gov.access.dimse_principal(calling_ae, address)
        except Unauthenticated:
            self._gov.audit.record(
                AuditRecord(
                    actor=f"AE {calling_ae.strip()}",
                    actor_kind="dimse",
                    address=address,
                    action="dicom.associate",
                    entity_type="ae",
                    entity_id=calling_ae.strip(),
                    purpose="",
                    outcome="denied",
                )
            )
            return DimseScope(principal=f"AE {calling_ae.strip()}", projects=frozenset())
        projects = self._gov.authority.readable_projects(principal)
        self._gov.audit.record(
            AuditRecord(
                actor=principal.audit_name,
                actor_kind="dimse",
                address=address,
                action="dicom.search",
                entity_type="ae",
                entity_id=calling_ae.strip(),
                purpose="research",
                detail={"projects": sorted(projects)},
            )
        )
        return DimseScope(principal=principal.audit_name, projects=projects)
