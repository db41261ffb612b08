"""``/people``: people and their roles; administrators and project leads give roles."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.governance import Governance, Principal, Role
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, page, signed_in_dependency


def router(gov: Governance) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/people")
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

    @pages.post("/people/roles")
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

    return pages
