"""``/agreements``: data sharing agreements (and those expiring soon); administrators decide on them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.governance import Governance, Principal, decisions_from, effective_state
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, page, signed_in_dependency


def router(gov: Governance) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/agreements")
    def agreements(request: Request, who: Principal = who_dep) -> Response:
        now = gov.clock()
        listed = [(a, effective_state(a, now).value) for a in gov.agreements.visible(who)]
        # only the decisions the agreement's state allows: an active one never offers "Activate" first
        decisions = {a.reference: decisions_from(effective_state(a, now)) for a, _ in listed}
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
            decisions=decisions,
        )

    @pages.post("/agreements/{reference}/decisions")
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

    return pages
