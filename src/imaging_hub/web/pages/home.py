"""``/``: the signed-in person's roles and the projects they may read."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.governance import Governance, Principal
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import page, signed_in_dependency


def router(gov: Governance) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/")
    def home(request: Request, who: Principal = who_dep) -> Response:
        readable = sorted(gov.authority.readable_projects(who))
        grants = sorted(who.grants, key=lambda g: (g.role.value, g.project or "", g.site or ""))
        return page(request, "home.html", "Home", who, "/", grants=grants, readable=readable)

    return pages
