"""The hub's transfer reconciliation page: per project and site, which studies are complete, incomplete
(what is missing) or failed (why), from the spokes' latest reports (``hub.HubRoom.reconciliation``).

Who sees what: network administrators and auditors every report; a project lead every site of their
projects; a site data manager their own sites' reports for the projects those sites take part in. Anyone else
who may see a project (a researcher or annotator on it, a manager of another site taking part) sees its sites'
counts only, never the studies, with small numbers suppressed as on the project page.
Mount ``reconciliation_page_router(gov, room)`` next to ``web_router`` (the room given to ``spoke_router``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import (
    SITE_ROLES,
    Governance,
    Principal,
    Role,
    breakdown_shown,
    csrf_token,
    sees_exact_counts,
)
from imaging_hub.hub import HubRoom
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.rendering import render


class ReconciliationViewer:
    """Which (project, site) reports one person may see in full, and which as counts only."""

    def __init__(self, gov: Governance, who: Principal) -> None:
        self._gov = gov
        self._who = who
        self._everything = who.is_administrator or who.is_auditor
        self._led = who.projects_with(frozenset({Role.PROJECT_LEAD}))
        self._sites = who.sites_with(SITE_ROLES)
        self._site_projects = gov.projects.codes_at_sites(self._sites)
        self._seen: dict[str, bool] = {}

    def allows(self, project: str, site: str) -> bool:
        if self._everything or project in self._led:
            return True
        return site in self._sites and project in self._site_projects

    def counts(self, project: str, site: str) -> bool:
        """May see this pair's counts: its reports in full, or a project this person may see."""
        if self.allows(project, site):
            return True
        if project not in self._seen:
            self._seen[project] = self._gov.projects.may_see(self._who, project)
        return self._seen[project]

    def exact(self, project: str, site: str) -> bool:
        return self.allows(project, site) or sees_exact_counts(self._who, project)


def reconciliation_page_router(gov: Governance, room: HubRoom) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=WebRoute)

    signed_in = signed_in_dependency(gov)

    @router.get("/reconciliation")
    def reconciliation(
        request: Request, project: str = "", site: str = "", who: Principal = Depends(signed_in)
    ) -> Response:
        viewer = ReconciliationViewer(gov, who)
        everything = room.reconciliation.summary(viewer.counts)
        pairs = [key.split("/", 1) for key in everything["summary"]]
        studies = [
            s
            for s in everything["studies"]
            if viewer.allows(s["project_id"], s["site_id"])
            and (not project or s["project_id"] == project)
            and (not site or s["site_id"] == site)
        ]
        summary = {
            key: breakdown_shown(counts, viewer.exact(p, s))
            for (p, s), (key, counts) in zip(pairs, everything["summary"].items(), strict=True)
            if (not project or p == project) and (not site or s == site)
        }
        counts_only = sorted(
            key
            for (p, s), key in zip(pairs, everything["summary"], strict=True)
            if key in summary and not viewer.allows(p, s)
        )
        gov.context.record(
            who,
            "reconciliation.view",
            "reconciliation",
            project or "*",
            project=project,
            detail={"site": site, "studies": len(studies), "counts_only": len(counts_only)},
        )
        return render(
            "reconciliation.html",
            "Transfer reconciliation",
            who=who,
            csrf=csrf_token(request.cookies.get(SESSION_COOKIE, "")),
            section="/reconciliation",
            summary=summary,
            studies=studies,
            project=project,
            site=site,
            counts_only=counts_only,
            projects=sorted({p for p, _ in pairs}),
            sites=sorted({s for _, s in pairs}),
        )

    return router
