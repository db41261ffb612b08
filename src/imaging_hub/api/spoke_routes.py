"""Hub-side routes a spoke needs beyond STOW-RS, as a thin face over the hub room (``imaging_hub.hub``):
reconciliation reports (answered with what the hub holds), the hub's per-project / per-site view of them,
heartbeats (which spokes are up, their backlog: the spoke health page),
and withdrawals (what the site sent of a withdrawn participant removed from the archive).

Mount with ``create_app(..., extra_routers=[spoke_router(room)])``; the web page over the same reports is
``imaging_hub.web.reconciliation.reconciliation_page_router``. Who the caller is comes from ``caller``, a
dependency returning a ``hub.Caller``: by default the ``current_scope`` seam (an open-access rig: any site);
a governed hub passes ``governed_caller(gov, auth)``, which names the sites the caller's roles speak for, and
gives the room ``governance_audit(gov)`` so every report, view and withdrawal is audited, refusals included.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from imaging_hub.api.access import AccessScope, current_scope
from imaging_hub.api.governance.auth import HttpAuth, client_address
from imaging_hub.api.governance.error_audit import CALLER_STATE
from imaging_hub.governance import SITE_ROLES, Governance, NotFound, Role, TrailSink
from imaging_hub.hub import AuditSink, Caller, HubRoom, InvalidRequest, Refused
from imaging_hub.spoke import (
    ReconciliationAnswer,
    ReconciliationReport,
    SpokeHeartbeat,
    WithdrawalAnswer,
    WithdrawalRequest,
)

_READING = frozenset({"GET", "HEAD"})


def scope_caller(scope: AccessScope = Depends(current_scope)) -> Caller:
    """The caller as the ``current_scope`` seam sees it: its projects, any site (an open-access rig)."""
    return Caller(name=scope.principal, projects=scope.projects)


def governed_caller(gov: Governance, auth: HttpAuth) -> Callable[[Request], Caller]:
    """A dependency: the signed-in caller, the projects it may write to (or read, for a view) and the
    (project, site) pairs it speaks for: its own sites' projects, and every site of a project it leads."""

    def dependency(request: Request) -> Caller:
        principal = auth.require(request)
        authority = gov.authority
        projects = (authority.readable_projects(principal) if request.method in _READING
                    else authority.writable_projects(principal))
        pairs = {(p, site) for site in principal.sites_with(SITE_ROLES)
                 for p in gov.projects.codes_at_sites(frozenset({site}))}
        for project in principal.projects_with(frozenset({Role.PROJECT_LEAD})):
            try:
                pairs |= {(project, site.ods_code) for site in gov.projects.get(project).sites}
            except NotFound:
                continue
        return Caller(principal.audit_name, principal.via, principal.address, frozenset(projects), frozenset(pairs))

    return dependency


def governance_audit(gov: Governance) -> AuditSink:
    """The hub room's entries, appended to the governance audit trail."""
    return TrailSink(gov.audit, purpose="spoke")


@contextmanager
def _answering() -> Iterator[None]:
    try:
        yield
    except Refused as exc:
        raise HTTPException(403, detail=str(exc)) from exc
    except InvalidRequest as exc:
        raise HTTPException(422, detail=str(exc)) from exc


def _heartbeat_refusals(room: HubRoom) -> type[APIRoute]:
    """The heartbeat route, auditing what is refused before the room is asked: a caller not signed in (no or a
    bad token) and a malformed heartbeat (the fields at fault, never their values). Since accepted heartbeats
    are audited only when the spoke's state changes, every refusal must still land in the trail."""

    class HeartbeatRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            def refused(request: Request, why: str) -> None:
                name = str(getattr(request.state, CALLER_STATE, "") or "")  # set once authentication passed
                caller = Caller(name or "anonymous", "person" if name else "unknown", client_address(request))
                room.spokes.refused(caller, "unknown", why)

            async def audited(request: Request) -> Response:
                try:
                    return await handler(request)
                except HTTPException as exc:
                    if exc.status_code == 401:  # others: the room refused and audited it already
                        refused(request, "not signed in")
                    raise
                except RequestValidationError as exc:
                    fields = sorted({str(e.get("loc", ("", ""))[-1])[:64] for e in exc.errors()[:20]})
                    refused(request, f"invalid fields: {', '.join(fields)}")
                    raise

            return audited

    return HeartbeatRoute


def spoke_router(room: HubRoom, caller: Callable[..., Caller] = scope_caller) -> APIRouter:
    router = APIRouter(prefix="/spokes", tags=["spokes"])

    @router.post("/reconciliation", response_model=ReconciliationAnswer)
    def receive_report(report: ReconciliationReport, who: Caller = Depends(caller)) -> ReconciliationAnswer:
        with _answering():
            return room.reconciliation.receive(who, report)

    @router.get("/reconciliation")
    def hub_view(
        project: str | None = Query(default=None), site: str | None = Query(default=None),
        who: Caller = Depends(caller),
    ) -> dict[str, Any]:
        """Per project and site: each study complete, incomplete (what is missing) or failed (why), with the
        hub's own instance count next to the spoke's acknowledged count."""
        return room.reconciliation.view(who, project, site)

    def heartbeat(beat: SpokeHeartbeat, who: Caller = Depends(caller)) -> Response:
        """A spoke is up: its backlog by outbox state and whether it accepts images (the hub's spoke health)."""
        with _answering():
            room.spokes.receive(who, beat)
        return Response(status_code=204)

    router.add_api_route(
        "/heartbeat", heartbeat, methods=["POST"], status_code=204, route_class_override=_heartbeat_refusals(room)
    )

    @router.post("/withdrawals", response_model=WithdrawalAnswer)
    def withdraw(request: WithdrawalRequest, who: Caller = Depends(caller)) -> WithdrawalAnswer:
        with _answering():
            return room.withdrawals.withdraw(who, request)

    return router
