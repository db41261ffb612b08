"""``/projects`` and ``/projects/{code}``: the projects a person may see, and one project's cohort by site
(small numbers suppressed below project lead)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.governance import (
    PHASE_MEANINGS,
    ArchiveSource,
    Governance,
    Principal,
    Project,
    ProjectPhase,
    cohort_cells,
    project_phases,
    sees_exact_counts,
)
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import page, signed_in_dependency


def router(gov: Governance, source: ArchiveSource) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def phases(projects: list[Project]) -> dict[str, ProjectPhase]:
        return project_phases(gov, source, projects)

    @pages.get("/projects")
    def projects(request: Request, who: Principal = who_dep) -> Response:
        listed = gov.projects.visible(who)
        return page(
            request,
            "projects.html",
            "Projects",
            who,
            "/projects",
            projects=listed,
            phases=phases(listed),
            meanings=PHASE_MEANINGS,
        )

    @pages.get("/projects/{code}")
    def project(code: str, request: Request, who: Principal = who_dep) -> Response:
        found = gov.projects.view(who, code)
        exact = sees_exact_counts(who, code)
        cohort = cohort_cells(source.count_by_site(code), exact)
        return page(
            request,
            "project.html",
            found.title,
            who,
            "/projects",
            project=found,
            cohort=cohort,
            suppressed=not exact,
            phase=phases([found])[found.code],
            meanings=PHASE_MEANINGS,
        )

    return pages
