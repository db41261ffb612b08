"""The hub's transfer reconciliation page: per project and site, which studies are complete, incomplete
(what is missing) or failed (why), from the spokes' latest reports (``hub.HubRoom.reconciliation``).

Who sees what: network administrators and auditors every report; a project lead every site of their
projects; a site data manager their own sites' reports for the projects those sites take part in.
Mount ``reconciliation_page_router(gov, room)`` next to ``web_router`` (the room given to ``spoke_router``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import SITE_ROLES, Governance, Principal, Role, csrf_token
from imaging_hub.hub import HubRoom
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.rendering import render


class ReconciliationViewer:
    """Which (project, site) reports one person may see."""

    def __init__(self, gov: Governance, who: Principal) -> None:
        self._everything = who.is_administrator or who.is_auditor
        self._led = who.projects_with(frozenset({Role.PROJECT_LEAD}))
        self._sites = who.sites_with(SITE_ROLES)
        self._site_projects = gov.projects.codes_at_sites(self._sites)

    def allows(self, project: str, site: str) -> bool:
        if self._everything or project in self._led:
            return True
        return site in self._sites and project in self._site_projects


def reconciliation_page_router(gov: Governance, room: HubRoom) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=WebRoute)

    signed_in = signed_in_dependency(gov)

    @router.get("/reconciliation")
    def reconciliation(request: Request, project: str = "", site: str = "",
                       who: Principal = Depends(signed_in)) -> Response:
        viewer = ReconciliationViewer(gov, who)
        everything = room.reconciliation.summary(viewer.allows)
        pairs = [key.split("/", 1) for key in everything["summary"]]
        studies = [s for s in everything["studies"]
                   if (not project or s["project_id"] == project) and (not site or s["site_id"] == site)]
        summary = {key: counts for (p, s), (key, counts) in zip(pairs, everything["summary"].items(), strict=True)
                   if (not project or p == project) and (not site or s == site)}
        gov.context.record(who, "reconciliation.view", "reconciliation", project or "*", project=project,
                           detail={"site": site, "studies": len(studies)})
        return render(
            "reconciliation.html", "Transfer reconciliation", who=who,
            csrf=csrf_token(request.cookies.get(SESSION_COOKIE, "")), section="/reconciliation",
            summary=summary, studies=studies, project=project, site=site,
            projects=sorted({p for p, _ in pairs}), sites=sorted({s for _, s in pairs}),
        )

    return router
