"""DICOM peers' scopes: the AE title and address map to an account, the account to the projects it may read
(under an agreement in force) and the projects it may send instances of (its sites' projects, or those it leads).

An unmapped peer is not refused at association time (so C-ECHO still answers for connectivity checks), but it
is given an empty scope: every C-FIND answers no matches, every C-MOVE/C-GET has nothing to send and every
C-STORE is refused. The association and each store are audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imaging_hub.governance.audit import AuditRecord
from imaging_hub.governance.errors import Unauthenticated
from imaging_hub.governance.service import Governance

_STORE_OUTCOMES = {"success": "success", "duplicate": "success", "denied": "denied"}


@dataclass(frozen=True)
class DimseScope:
    principal: str
    projects: frozenset[str]
    writable_projects: frozenset[str] = frozenset()
    purpose: str = "research"
    address: str = ""
    _gov: Governance | None = field(default=None, compare=False, repr=False)

    def record_store(self, sop_instance_uid: str, project: str | None, outcome: str) -> None:
        """One audit entry per C-STORE: who sent which instance into which project, and what became of it."""
        if self._gov is None:
            return
        self._gov.audit.record(
            AuditRecord(
                actor=self.principal,
                actor_kind="dimse",
                address=self.address,
                action="dicom.write",
                entity_type="instance",
                entity_id=sop_instance_uid or "-",
                project=project or "",
                purpose=self.purpose,
                outcome=_STORE_OUTCOMES.get(outcome, "failed"),
                detail={"dimse": "C-STORE", "result": outcome},
            )
        )


class DimseScopes:
    """``scope_for(calling_ae, address)`` for ``imaging_hub.dimse.DicomServer``."""

    def __init__(self, gov: Governance) -> None:
        self._gov = gov

    def __call__(self, calling_ae: str, address: str) -> DimseScope:
        ae = calling_ae.strip()
        try:
            principal = self._gov.access.dimse_principal(calling_ae, address)
        except Unauthenticated:
            self._gov.audit.record(
                AuditRecord(
                    actor=f"AE {ae}",
                    actor_kind="dimse",
                    address=address,
                    action="dicom.associate",
                    entity_type="ae",
                    entity_id=ae,
                    purpose="",
                    outcome="denied",
                )
            )
            return DimseScope(principal=f"AE {ae}", projects=frozenset(), address=address, _gov=self._gov)
        projects = self._gov.authority.readable_projects(principal)
        writable = self._gov.authority.writable_projects(principal)
        self._gov.audit.record(
            AuditRecord(
                actor=principal.audit_name,
                actor_kind="dimse",
                address=address,
                action="dicom.associate",
                entity_type="ae",
                entity_id=ae,
                purpose="research",
                detail={"projects": sorted(projects), "writable": sorted(writable)},
            )
        )
        return DimseScope(
            principal=principal.audit_name,
            projects=projects,
            writable_projects=writable,
            address=address,
            _gov=self._gov,
        )
