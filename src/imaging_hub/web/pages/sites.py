"""``/sites``: the network's sites; administrators add one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.governance import Governance, Principal
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, page, signed_in_dependency


def router(gov: Governance) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/sites")
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

    @pages.post("/sites")
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

    return pages
