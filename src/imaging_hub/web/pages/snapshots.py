"""``/snapshots``: the versioned releases of the projects a person may see; a project lead releases a new one
here (the same domain call as ``POST /api/governance/projects/{code}/snapshots``, so the same authorisation,
checks and audit)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.governance import Governance, InstanceSource, Principal, Role, Scope, is_in_force
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, page, signed_in_dependency

_CODE = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def router(gov: Governance, source: InstanceSource) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def releasable(who: Principal) -> dict[str, list[str]]:
        """Project a person leads -> the agreements in force covering it (what the release form offers)."""
        led = sorted(who.projects_with(frozenset({Role.PROJECT_LEAD})))
        if not led or not who.may(Scope.GOVERNANCE_WRITE):
            return {}
        now = gov.clock()
        agreements = [a for a in gov.agreements.visible(who) if is_in_force(a, now)]
        return {code: [a.reference for a in agreements if code in {p.code for p in a.projects}] for code in led}

    @pages.get("/snapshots")
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
            counts={s.id: gov.snapshots.instance_count_shown(who, s) for s in listed},
            project=project,
            readable=readable,
            releasable=releasable(who),
        )

    @pages.post("/snapshots")
    def release(
        request: Request,
        csrf: str = Form(""),
        project: str = Form(pattern=_CODE),
        agreement: str = Form(max_length=64),
        description: str = Form("", max_length=2000),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        gov.projects.view(who, project)  # unknown and unseen answer alike, audited, as the API does
        made = gov.snapshots.create(who, project, agreement, source, description)
        return RedirectResponse(
            f"/snapshots?project={made.project.code}#{made.project.code}-v{made.version}", status_code=303
        )

    return pages
