"""``/snapshots``: the versioned releases of the projects a person may see."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.governance import Governance, Principal
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import page, signed_in_dependency


def router(gov: Governance) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

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
        )

    return pages
