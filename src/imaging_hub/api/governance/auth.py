"""Who is calling over HTTP, and the DICOMweb seams fed from it.

A bearer API token or the session cookie identifies a person; their roles and the agreements in force decide
the projects in the ``AccessScope`` the DICOMweb routes filter by (reads: projects they may read under an
agreement; writes: projects their site takes part in). Every DICOMweb read and write lands in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from imaging_hub.api.access import AccessScope
from imaging_hub.governance import AuditRecord, Governance, Principal, Unauthenticated

SESSION_COOKIE = "imaging_hub_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class _Caller:
    principal: Principal
    purpose: str


# The DICOMweb audit hook receives only a name; the rest of who-asked travels with the request's context.
_current_caller: ContextVar[_Caller | None] = ContextVar("imaging_hub_caller", default=None)

_ACTIONS = {
    "store": "dicom.write",
    "search": "dicom.search",
    "retrieve": "dicom.read",
    "metadata": "dicom.read",
    "bulkdata": "dicom.read",
    "frames": "dicom.read",
    "rendered": "dicom.read",
}
_OUTCOMES = {"success": "success", "partial": "success", "denied": "denied", "not-found": "failed"}


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


class HttpAuth:
    def __init__(self, gov: Governance) -> None:
        self.gov = gov

    def identify(self, request: Request) -> Principal | None:
        """The caller, or None when no credentials came; bad credentials answer 401."""
        address = client_address(request)
        header = request.headers.get("authorization", "")
        try:
            if header:
                scheme, _, token = header.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise Unauthenticated("use 'Authorization: Bearer <token>'")
                return self.gov.access.token_principal(token.strip(), address)
            cookie = request.cookies.get(SESSION_COOKIE)
            if cookie:
                return self.gov.access.session_principal(cookie, address)
        except Unauthenticated as exc:
            self.gov.context.audit_anonymous("session.authenticate", address)
            raise HTTPException(401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        return None

    def require(self, request: Request) -> Principal:
        principal = self.identify(request)
        if principal is None:
            raise HTTPException(401, detail="sign in or send an API token", headers={"WWW-Authenticate": "Bearer"})
        return principal

    async def dicomweb_scope(self, request: Request) -> AccessScope:
        """The ``scope_dependency`` for DICOMweb: async, so the caller it sets is visible to the route.

        The database work (credentials, roles, agreements) runs in the thread pool: on the event loop it
        would make every concurrent request wait for each caller's lookups in turn.
        """
        caller, projects = await run_in_threadpool(self._caller_and_projects, request)
        _current_caller.set(caller)
        return AccessScope(principal=caller.principal.audit_name, projects=projects, purpose=caller.purpose)

    def _caller_and_projects(self, request: Request) -> tuple[_Caller, frozenset[str]]:
        principal = self.require(request)
        caller = _Caller(principal, request.headers.get("x-purpose-of-use", "research")[:200])
        if request.method in _SAFE_METHODS:
            return caller, self.gov.authority.readable_projects(principal)
        projects = self.gov.authority.writable_projects(principal)
        if not projects:
            # Refused before the body is read: a caller who may write nowhere must not make the hub receive
            # and spool an upload only to refuse every part of it.
            self._refuse_write(request, caller)
        return caller, projects

    def _refuse_write(self, request: Request, caller: _Caller) -> None:
        dicomweb = request.url.path.startswith("/dicom-web")
        self.gov.audit.record(
            AuditRecord(
                actor=caller.principal.audit_name,
                actor_kind=caller.principal.via,
                address=caller.principal.address,
                action="dicom.write" if dicomweb else "spoke.write",
                entity_type="instances" if dicomweb else "spoke",
                entity_id="-",
                purpose=caller.purpose,
                outcome="denied",
                detail={"reason": "no project this account or token may send data to", "path": request.url.path},
            )
        )
        raise HTTPException(403, detail="this account or token may not send data to any project")

    def dicomweb_audit(self, action: str, principal: str, uids: Sequence[str], outcome: str) -> None:
        """The ``on_access`` hook: one audit entry per DICOMweb read or write, naming instances by UID."""
        caller = _current_caller.get()
        self.gov.audit.record(
            AuditRecord(
                actor=principal,
                actor_kind=caller.principal.via if caller else "unknown",
                address=caller.principal.address if caller else "",
                action=_ACTIONS.get(action, f"dicom.{action}"),
                entity_type="instances",
                entity_id=_entity(uids),
                purpose=caller.purpose if caller else "",
                outcome=_OUTCOMES.get(outcome, "failed"),
                detail={"dicomweb": action, "count": len(uids), "uids": list(uids[:100]), "result": outcome},
            )
        )


def _entity(uids: Sequence[str]) -> str:
    if not uids:
        return "-"
    return uids[0] if len(uids) == 1 else f"{uids[0]} (+{len(uids) - 1})"
