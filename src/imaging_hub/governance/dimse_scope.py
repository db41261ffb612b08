"""DICOM peers' scopes: the AE title and address map to an account, the account to the projects it may read
(under an agreement in force) and the projects it may send instances of (its sites' projects, or those it leads).

An unmapped peer is not admitted: its association is refused (so it cannot hold the server's association
slots), and the refusal is audited. A mapped peer's permissions are looked up afresh at every operation, so a
role revoked (or a peer mapping removed) while an association is open refuses the next request. Every
association, C-STORE, C-FIND, C-MOVE and C-GET is audited, refusals included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from imaging_hub.governance.audit import AuditRecord
from imaging_hub.governance.errors import Unauthenticated
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.service import Governance

if TYPE_CHECKING:  # only the type: governance need not load the DICOM network stack to score a peer
    from imaging_hub.dimse import Read

# "invalid": refused as malformed, not a failure of the hub
_STORE_OUTCOMES = {"success": "success", "duplicate": "success", "denied": "denied", "invalid": "denied"}
_READ_OUTCOMES = {
    "success": "success", "partial": "success", "cancelled": "success", "denied": "denied", "invalid": "denied",
}
_READ_ACTIONS = {"C-FIND": "dicom.search", "C-MOVE": "dicom.read", "C-GET": "dicom.read"}
# Query keys whose values are recorded as sent: UIDs and governance codes, never a patient's identity.
_VALUE_KEPT = frozenset({"ClinicalTrialProtocolID", "ClinicalTrialSiteID", "Modality", "ModalitiesInStudy"})
_AUDITED_UIDS = 100


class DimseScope:
    """One association's caller. ``projects`` and ``writable_projects`` answer from the database each time."""

    def __init__(self, gov: Governance, calling_ae: str, address: str, principal: Principal | None) -> None:
        self._gov = gov
        self.calling_ae = calling_ae
        self.address = address
        self.admitted = principal is not None
        self.principal = principal.audit_name if principal is not None else f"AE {calling_ae}"
        self.purpose = "research"

    def _current(self) -> Principal | None:
        if not self.admitted:
            return None
        try:
            return self._gov.access.dimse_principal(self.calling_ae, self.address)
        except Unauthenticated:  # the peer mapping or the account went while the association was open
            return None

    @property
    def projects(self) -> frozenset[str]:
        principal = self._current()
        return frozenset() if principal is None else self._gov.authority.readable_projects(principal)

    @property
    def writable_projects(self) -> frozenset[str]:
        principal = self._current()
        return frozenset() if principal is None else self._gov.authority.writable_projects(principal)

    def move_projects(self, destination: str) -> frozenset[str]:
        """The projects whose instances this peer may C-MOVE to ``destination``: none unless the destination is
        configured for the peer, and then those it reads whose project allows that destination."""
        principal = self._current()
        moves = self._gov.move_destinations
        if principal is None or destination not in moves.for_peer(self.calling_ae, self.address):
            return frozenset()
        return self._gov.authority.readable_projects(principal) & moves.projects_for(destination)

    def record_association(self, accepted: bool, reason: str = "") -> None:
        detail: dict[str, object] = {"reason": reason} if reason else {}
        if accepted:
            detail = {"projects": sorted(self.projects), "writable": sorted(self.writable_projects)}
        self._record("dicom.associate", "ae", self.calling_ae or "-", "success" if accepted else "denied",
                     detail, purpose=self.purpose if self.admitted else "")

    def record_store(self, sop_instance_uid: str, project: str | None, outcome: str) -> None:
        """One audit entry per C-STORE: who sent which instance into which project, and what became of it."""
        self._record("dicom.write", "instance", sop_instance_uid or "-", _STORE_OUTCOMES.get(outcome, "failed"),
                     {"dimse": "C-STORE", "result": outcome}, project=project or "",
                     stored=[sop_instance_uid] if outcome == "success" and sop_instance_uid else [])

    def record_read(self, read: Read) -> None:
        """One audit entry per C-FIND, C-MOVE or C-GET: the query, what was matched or sent, and to where."""
        detail: dict[str, object] = {
            "dimse": read.service, "level": read.level, "keys": audited_keys(read.keys), "count": len(read.uids),
            "uids": list(read.uids[:_AUDITED_UIDS]), "result": read.outcome,
        }
        if read.service != "C-FIND":
            detail.update(failed=read.failed, withheld=read.withheld)
        if read.destination:
            detail["destination"] = read.destination
        if read.reason:
            detail["reason"] = read.reason
        self._record(_READ_ACTIONS.get(read.service, "dicom.read"), "instances", _entity(read.uids),
                     _READ_OUTCOMES.get(read.outcome, "failed"), detail,
                     project=read.keys.get("ClinicalTrialProtocolID", "") or self._only_project())

    def _only_project(self) -> str:
        """A peer that may read one project only can only have read that project's data."""
        readable = self.projects
        return next(iter(readable)) if len(readable) == 1 else ""

    def _record(self, action: str, entity_type: str, entity_id: str, outcome: str, detail: Mapping[str, object],
                *, project: str = "", purpose: str | None = None, stored: Sequence[str] = ()) -> None:
        self._gov.audit.record(
            AuditRecord(
                actor=self.principal, actor_kind="dimse", address=self.address, action=action,
                entity_type=entity_type, entity_id=entity_id, project=project,
                purpose=self.purpose if purpose is None else purpose, outcome=outcome, detail=dict(detail),
            ),
            stored,
        )


class DimseScopes:
    """``scope_for(calling_ae, address)`` for ``imaging_hub.dimse.DicomServer``."""

    def __init__(self, gov: Governance) -> None:
        self._gov = gov

    def __call__(self, calling_ae: str, address: str) -> DimseScope:
        ae = calling_ae.strip()
        try:
            principal: Principal | None = self._gov.access.dimse_principal(ae, address)
        except Unauthenticated:
            principal = None
        return DimseScope(self._gov, ae, address, principal)


def audited_keys(keys: Mapping[str, str]) -> dict[str, str]:
    """The query keys as the audit trail keeps them: UIDs and codes as sent, other values only as 'given'."""
    return {k: v if k.endswith("UID") or k in _VALUE_KEPT else "(given)" for k, v in keys.items()}


def _entity(uids: tuple[str, ...]) -> str:
    if not uids:
        return "-"
    return uids[0] if len(uids) == 1 else f"{uids[0]} (+{len(uids) - 1})"
