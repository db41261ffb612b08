"""The pages. Each one: who is asking (session cookie), ask the domain, render. Forms carry a CSRF token."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from imaging_hub.api.governance.admin import may_read_audit, set_session_cookie
from imaging_hub.api.governance.auth import SESSION_COOKIE, client_address
from imaging_hub.governance import (
    AuditFilter,
    Forbidden,
    Governance,
    GovernanceError,
    NotFound,
    Principal,
    Role,
    Unauthenticated,
    effective_state,
    suppress,
)
from imaging_hub.governance.archive_source import ArchiveSource
from imaging_hub.governance.credentials import csrf_token
from imaging_hub.governance.roles import UNSUPPRESSED_ROLES
from imaging_hub.web.rendering import render


class WebRoute(APIRoute):
    """Domain refusals as pages: not signed in goes to the sign-in page, the rest get a plain explanation."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthenticated:
                return RedirectResponse("/sign-in", status_code=303)
            except Forbidden as exc:
                return render("error.html", "Not allowed", detail=str(exc), status_code=403)
            except NotFound as exc:
                return render("error.html", "Page not found", detail=str(exc), status_code=404)
            except GovernanceError as exc:
                return render("error.html", "That could not be done", detail=str(exc), status_code=400)

        return guarded


def signed_in_dependency(gov: Governance) -> Callable[[Request], Principal]:
    """The dependency every page uses: the person behind the session cookie (Unauthenticated without one)."""

    def signed_in(request: Request) -> Principal:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            raise Unauthenticated("sign in first")
        return gov.access.session_principal(secret, client_address(request))

    return signed_in


def web_router(gov: Governance, source: ArchiveSource, oidc_enabled: bool = False) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=WebRoute)
    signed_in = signed_in_dependency(gov)

    def csrf_of(request: Request) -> str:
        return csrf_token(request.cookies.get(SESSION_COOKIE, ""))

    def check_csrf(request: Request, csrf: str) -> None:
        if not csrf or csrf != csrf_of(request):
            raise Forbidden("the form has expired; go back, reload the page and try again")

    who_dep = Depends(signed_in)

    def page(request: Request, template: str, title: str, who: Principal, section: str, **values: Any) -> Response:
        return render(template, title, who=who, csrf=csrf_of(request), section=section, **values)

    @router.get("/")
    def home(request: Request, who: Principal = who_dep) -> Response:
        readable = sorted(gov.authority.readable_projects(who))
        grants = sorted(who.grants, key=lambda g: (g.role.value, g.project or "", g.site or ""))
        return page(request, "home.html", "Home", who, "/", grants=grants, readable=readable)

    @router.get("/sign-in")
    def sign_in_form(request: Request) -> Response:
        return render("signin.html", "Sign in", oidc=oidc_enabled)

    @router.post("/sign-in")
    def sign_in(request: Request, email: str = Form(max_length=254), password: str = Form(max_length=1024)) -> Response:
        try:
            secret, _ = gov.access.sign_in(email, password, client_address(request))
        except Unauthenticated:
            return render(
                "signin.html",
                "Sign in",
                error="Email address or password not recognised",
                email=email,
                oidc=oidc_enabled,
                status_code=401,
            )
        response = RedirectResponse("/", status_code=303)
        set_session_cookie(response, secret, request)
        return response

    @router.post("/sign-out")
    def sign_out(request: Request, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        gov.access.sign_out(request.cookies.get(SESSION_COOKIE, ""), who)
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/projects")
    def projects(request: Request, who: Principal = who_dep) -> Response:
        return page(request, "projects.html", "Projects", who, "/projects", projects=gov.projects.visible(who))

    @router.get("/projects/{code}")
    def project(code: str, request: Request, who: Principal = who_dep) -> Response:
        found = gov.projects.view(who, code)
        exact = who.holds_any(UNSUPPRESSED_ROLES - {Role.PROJECT_LEAD}) or who.holds(Role.PROJECT_LEAD, code)
        cohort = [
            (site, suppress(studies, exact), suppress(instances, exact))
            for site, (studies, instances) in source.count_by_site(code).items()
        ]
        return page(
            request, "project.html", found.title, who, "/projects", project=found, cohort=cohort, suppressed=not exact
        )

    @router.get("/sites")
    def sites(request: Request, who: Principal = who_dep) -> Response:
        return page(
            request,
            "sites.html",
            "Sites",
            who,
            "/sites",
            sites=gov.directory.sites(who),
            may_admin=who.is_administrator,
        )

    @router.post("/sites")
    def add_site(
        request: Request,
        csrf: str = Form(""),
        ods_code: str = Form(max_length=16),
        name: str = Form(max_length=200),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        gov.directory.create_site(who, ods_code.strip().upper(), name)
        return RedirectResponse("/sites", status_code=303)

    @router.get("/people")
    def people(request: Request, who: Principal = who_dep) -> Response:
        return page(
            request,
            "people.html",
            "People and roles",
            who,
            "/people",
            people=gov.directory.people(who),
            roles=list(Role),
            may_admin=who.is_administrator,
        )

    @router.post("/people/roles")
    def give_role(
        request: Request,
        csrf: str = Form(""),
        person_id: int = Form(),
        role: str = Form(max_length=32),
        project: str = Form("", max_length=64),
        site: str = Form("", max_length=16),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        gov.directory.grant(who, person_id, role, project.strip() or None, site.strip().upper() or None)
        return RedirectResponse("/people", status_code=303)

    @router.get("/agreements")
    def agreements(request: Request, who: Principal = who_dep) -> Response:
        now = gov.clock()
        listed = [(a, effective_state(a, now).value) for a in gov.agreements.visible(who)]
        expiring = [(a, effective_state(a, now).value) for a in gov.agreements.expiring_soon(who)]
        return page(
            request,
            "agreements.html",
            "Agreements",
            who,
            "/agreements",
            agreements=listed,
            expiring=expiring,
            may_admin=who.is_administrator,
        )

    @router.post("/agreements/{reference}/decisions")
    def decide(
        reference: str,
        request: Request,
        csrf: str = Form(""),
        decision: str = Form(pattern="^(activate|suspend|resume|terminate)$"),
        reason: str = Form("", max_length=2000),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        if decision == "terminate":
            gov.agreements.terminate(who, reference, reason or "terminated in the web UI")
        else:
            gov.agreements.decide(who, reference, decision, reason)
        return RedirectResponse(f"/agreements#agreement-{reference}", status_code=303)

    @router.get("/snapshots")
    def snapshots(request: Request, project: str | None = None, who: Principal = who_dep) -> Response:
        listed = gov.snapshots.visible(who, project or None)
        readable = gov.authority.readable_projects(who)
        return page(
            request,
            "snapshots.html",
            "Snapshots",
            who,
            "/snapshots",
            snapshots=listed,
            project=project,
            readable=readable,
        )

    def audit_filter(who: Principal, actor: str, action: str, project: str, outcome: str) -> AuditFilter:
        if not may_read_audit(who):
            gov.context.record(who, "audit.read", "audit", "*", outcome="denied")
            raise Forbidden("the audit trail is for auditors and network administrators")
        gov.context.record(who, "audit.read", "audit", "*", detail={"project": project, "action": action})
        return AuditFilter(
            actor=actor or None,
            action=action or None,
            project=project or None,
            outcome=outcome if outcome in {"success", "denied", "failed"} else None,
            limit=200,
        )

    @router.get("/audit")
    def audit(
        request: Request,
        actor: str = "",
        action: str = "",
        project: str = "",
        outcome: str = "",
        who: Principal = who_dep,
    ) -> Response:
        f = audit_filter(who, actor, action, project, outcome)
        return page(
            request,
            "audit.html",
            "Audit trail",
            who,
            "/audit",
            f=f,
            entries=gov.audit.entries(f),
            verified=gov.verify_audit(),
        )

    @router.get("/audit/entries")
    def audit_entries(
        request: Request,
        actor: str = "",
        action: str = "",
        project: str = "",
        outcome: str = "",
        who: Principal = who_dep,
    ) -> Response:
        """The htmx fragment: just the table of matching entries."""
        f = audit_filter(who, actor, action, project, outcome)
        return render("audit_entries.html", "Audit", entries=gov.audit.entries(f))

    return router
