"""The hub's spoke health page (``/spoke-health``): for the network's administrators and auditors, every
site's spoke, whether it is up (a heartbeat within ``hub.UP_WITHIN``), its backlog, whether it accepts
images, and when it last made contact and last reported on its transfers. From the spokes' heartbeats to
``POST /spokes/heartbeat`` (``hub.HubRoom.spokes``); counts only, nothing about a patient or study.
Mount ``spoke_health_page_router(gov, room)`` next to ``web_router``.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import Governance, Principal, csrf_token
from imaging_hub.hub import UP_WITHIN, HubRoom
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.rendering import render


def ago(then: dt.datetime | None, now: dt.datetime) -> str:
    """How long ago, in words a person reads at a glance."""
    if then is None:
        return "never"
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return f"{seconds} s ago"


def spoke_health_page_router(gov: Governance, room: HubRoom) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=WebRoute)

    @router.get("/spoke-health")
    def spoke_health(request: Request, who: Principal = Depends(signed_in_dependency(gov))) -> Response:
        gov.context.require(who.is_administrator or who.is_auditor, who, "spoke.health.view", "site", "*")
        contacts = room.spokes.contacts([s.ods_code for s in gov.directory.sites(who)])
        now = dt.datetime.now(dt.UTC)
        up = {c.site_id: c.is_up(now) for c in contacts}
        gov.context.record(
            who, "spoke.health.view", "site", "*", detail={"spokes": len(contacts), "up": sum(up.values())}
        )
        return render(
            "spoke_health.html",
            "Spoke health",
            who=who,
            section="/spoke-health",
            csrf=csrf_token(request.cookies.get(SESSION_COOKIE, "")),
            contacts=contacts,
            up=up,
            ago={c.site_id: (ago(c.contact_at, now), ago(c.reported_at, now)) for c in contacts},
            up_within=int(UP_WITHIN.total_seconds()),
        )

    return router
