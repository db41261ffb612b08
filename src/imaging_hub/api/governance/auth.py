"""Who is calling over HTTP, and the DICOMweb seams fed from it.

A bearer API token or the session cookie identifies a person; their roles and the agreements in force decide
the projects in the ``AccessScope`` the DICOMweb routes filter by (reads: projects they may read under an
agreement; writes: projects their site takes part in, and, for label objects only, projects they label).
Every DICOMweb read and write lands in the audit trail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from imaging_hub.api.access import AccessScope
from imaging_hub.api.governance.error_audit import CALLER_STATE
from imaging_hub.governance import (
    AuditRecord,
    CallerCache,
    Governance,
    Principal,
    Unauthenticated,
    sees_exact_counts,
)

SESSION_COOKIE = "imaging_hub_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class _Caller:
    principal: Principal
    purpose: str
    projects: frozenset[str] = frozenset()  # the projects the request was scoped to
    labels: frozenset[str] = frozenset()  # for a write: projects it may store only label objects in


# SOP Instance UIDs -> the project each belongs to (those the archive holds), for the audit entries.
ProjectsOf = Callable[[Sequence[str]], dict[str, str]]
_AUDITED_UIDS = 100


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
    def __init__(self, gov: Governance, projects_of: ProjectsOf | None = None) -> None:
        self.gov = gov
        self._projects_of = projects_of
        self._tokens = CallerCache(gov)  # reads by API token: see governance.caller_cache

    def identify(self, request: Request) -> Principal | None:
        """The caller, or None when no credentials came; bad credentials answer 401."""
        address = client_address(request)
        header = request.headers.get("authorization", "")
        try:
            if header:
                scheme, _, token = header.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise Unauthenticated("use 'Authorization: Bearer <token>'")
                return self._known(request, self.gov.access.token_principal(token.strip(), address))
            cookie = request.cookies.get(SESSION_COOKIE)
            if cookie:
                return self._known(request, self.gov.access.session_principal(cookie, address))
        except Unauthenticated as exc:
            self.gov.context.audit_anonymous("session.authenticate", address)
            raise HTTPException(401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
        return None

    @staticmethod
    def _known(request: Request, principal: Principal) -> Principal:
        setattr(request.state, CALLER_STATE, principal.audit_name)  # for the audit of a request ending in 500
        return principal

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
        exact = frozenset(p for p in projects if sees_exact_counts(caller.principal, p))
        return AccessScope(principal=caller.principal.audit_name, projects=projects, purpose=caller.purpose,
                           exact_counts=exact, label_projects=caller.labels)

    def _caller_and_projects(self, request: Request) -> tuple[_Caller, frozenset[str]]:
        purpose = request.headers.get("x-purpose-of-use", "research")[:200]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if request.method in _SAFE_METHODS and scheme.lower() == "bearer" and token.strip():
            address = client_address(request)
            try:
                principal, readable = self._tokens.reader(token.strip(), address)
            except Unauthenticated as exc:
                self.gov.context.audit_anonymous("session.authenticate", address)
                raise HTTPException(401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
            return _Caller(self._known(request, principal), purpose, readable), readable
        principal = self.require(request)
        caller = _Caller(principal, purpose)
        if request.method in _SAFE_METHODS:
            readable = self.gov.authority.readable_projects(principal)
            return dataclasses.replace(caller, projects=readable), readable
        projects = self.gov.authority.writable_projects(principal)
        # Projects it labels: there it may store label objects (governance.authority.label_project decides each
        # one), which also files a lead's label made without a project under its study's.
        labels = self.gov.authority.labelling_projects(principal)
        if not projects and not labels:
            # Refused before the body is read: a caller who may write nowhere must not make the hub receive
            # and spool an upload only to refuse every part of it.
            self._refuse_write(request, caller)
        return dataclasses.replace(caller, projects=projects | labels, labels=labels), projects

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

    def dicomweb_audit(self, action: str, principal: str, uids: Sequence[str], outcome: str,
                       new: Sequence[str] = ()) -> None:
        """The ``on_access`` hook: one audit entry per DICOMweb read or write and project, naming instances by
        UID, so that filtering the trail by project shows the data access in it."""
        caller = _current_caller.get()
        fresh = set(new)
        for project, project_uids in self._by_project(caller, uids).items():
            self.gov.audit.record(
                AuditRecord(
                    actor=principal,
                    actor_kind=caller.principal.via if caller else "unknown",
                    address=caller.principal.address if caller else "",
                    action=_ACTIONS.get(action, f"dicom.{action}"),
                    entity_type="instances",
                    entity_id=_entity(project_uids),
                    project=project,
                    purpose=caller.purpose if caller else "",
                    outcome=_OUTCOMES.get(outcome, "failed"),
                    detail={"dicomweb": action, "count": len(project_uids), "uids": list(project_uids[:_AUDITED_UIDS]),
                            "result": outcome},
                ),
                stored=[uid for uid in project_uids if uid in fresh],
            )

    def _by_project(self, caller: _Caller | None, uids: Sequence[str]) -> dict[str, list[str]]:
        """The UIDs grouped by the project their instance belongs to. UIDs the archive does not hold as
        instances (a search's study UIDs, a refused or missing one) go to the caller's only project when the
        request was scoped to one, else to no project."""
        found = self._projects_of(list(uids[:_AUDITED_UIDS])) if self._projects_of is not None and uids else {}
        only = next(iter(caller.projects)) if caller is not None and len(caller.projects) == 1 else ""
        groups: dict[str, list[str]] = {}
        for uid in uids:
            groups.setdefault(found.get(uid) or only, []).append(uid)
        return groups or {only: []}


def _entity(uids: Sequence[str]) -> str:
    if not uids:
        return "-"
    return uids[0] if len(uids) == 1 else f"{uids[0]} (+{len(uids) - 1})"
