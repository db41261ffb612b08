"""``/network/capacity``: research scan capacity per site and scanner (utilisation per week, research share,
waiting time to the next suitable slot), a what-if view that recomputes them, and each site's iCalendar.

Network administrators and auditors see every site; a site data manager sees their own sites. Every view and
every refusal is audited.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from fastapi import APIRouter, Depends, Query, Request, Response

from imaging_hub.governance import SITE_ROLES, Governance, GovernanceError, NotFound, Principal
from imaging_hub.network.capacity import (
    REQUEST_COLUMNS,
    CapacityRegister,
    Scenario,
    SessionTemplate,
    VisitNeed,
    capacity_tables,
    compare_scenario,
    free_minutes,
    site_calendar,
)
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.web.network.access import capacity_sites, oversees, refused, viewed
from imaging_hub.web.network.capacity_charts import share_chart, utilisation_chart
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import page
from imaging_hub.web.rendering import render

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _safe(site: str) -> str:
    """A site code fit for a file name (only letters and digits; codes are ODS codes)."""
    return re.sub(r"[^A-Za-z0-9]", "", site)[:16] or "site"


def _register_for(room: NetworkRoom, sites: set[str]) -> CapacityRegister:
    full = room.register()
    scanners = {k: s for k, s in full.scanners.items() if s.site in sites}
    return CapacityRegister(
        {k: v for k, v in full.sites.items() if k in sites},
        scanners,
        [t for t in full.templates if t.scanner_id in scanners],
    )


def _needs(register: CapacityRegister, minutes: int) -> list[VisitNeed]:
    return [VisitNeed(m, minutes) for m in sorted({s.modality for s in register.scanners.values()})]


def router(gov: Governance, room: NetworkRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def visible(who: Principal, action: str) -> set[str]:
        if not (oversees(who) or who.sites_with(SITE_ROLES)):
            raise refused(gov, who, action, "capacity", "capacity is shown to network oversight and site data managers")
        return capacity_sites(who, set(room.sites()))

    def horizon(start: date | None) -> date:
        day = start or room.now().date()
        return day - timedelta(days=day.weekday())

    @pages.get("/network/capacity")
    def capacity(
        request: Request,
        start: date | None = None,
        weeks: int = Query(4, ge=1, le=12),
        minutes: int = Query(30, ge=5, le=480),
        who: Principal = who_dep,
    ) -> Response:
        sites = visible(who, "capacity.view")
        first = horizon(start)
        register = _register_for(room, sites)
        bookings = [b for b in room.bookings() if b.site in sites]
        tables = capacity_tables(register, bookings, first, weeks, _needs(register, minutes))
        viewed(gov, who, "capacity.view", "capacity", sites=sorted(sites), weeks=weeks)
        return page(
            request,
            "network_capacity.html",
            "Research scan capacity",
            who,
            "/network/capacity",
            first=first,
            weeks=weeks,
            minutes=minutes,
            tables=tables,
            register=register,
            utilisation_svg=utilisation_chart(tables.utilisation),
            share_svg=share_chart(tables.utilisation),
            sites=sorted(sites),
            weekdays=WEEKDAYS,
            proposals=[p for p in room.proposals() if p["site"] in sites],
            managed=sorted(set(room.sites()) if who.is_administrator else sites & set(who.sites_with(SITE_ROLES))),
            free=free_minutes(register.slots(first, weeks), bookings),
            slots=register.slots(first, weeks),
            may_allocate=who.is_administrator,
            request_columns=REQUEST_COLUMNS,
        )

    @pages.get("/network/capacity/what-if")
    def capacity_what_if(
        request: Request,
        start: date | None = None,
        weeks: int = Query(4, ge=1, le=12),
        minutes: int = Query(30, ge=5, le=480),
        add_scanner: str = Query("", max_length=64),
        add_weekday: int = Query(0, ge=0, le=6),
        add_start: time = time(17),
        add_end: time = time(20),
        close: list[str] = Query([], max_length=50),
        who: Principal = who_dep,
    ) -> Response:
        sites = visible(who, "capacity.what_if")
        first = horizon(start)
        register = _register_for(room, sites)
        added: tuple[SessionTemplate, ...] = ()
        try:
            if add_scanner:
                if add_scanner not in register.scanners:
                    raise NotFound("no such scanner among those you may see")
                added = (SessionTemplate("what-if", add_scanner, add_weekday, add_start, add_end),)
            unknown = set(close) - set(register.scanners)
            if unknown:
                raise NotFound("no such scanner among those you may see")
            result = compare_scenario(
                register,
                [b for b in room.bookings() if b.site in sites],
                Scenario(added, frozenset(close)),
                first,
                weeks,
                _needs(register, minutes),
            )
        except ValueError as exc:  # the engine's input errors name what was wrong
            raise GovernanceError(str(exc)) from None
        viewed(gov, who, "capacity.what_if", "capacity", added=add_scanner, closed=sorted(close))
        return render(
            "network_what_if.html",
            "What if",
            who=who,
            result=result,
            before_svg=utilisation_chart(result.before.utilisation),
            after_svg=utilisation_chart(result.after.utilisation),
        )

    @pages.get("/network/capacity/{site}/calendar.ics")
    def calendar(site: str, weeks: int = Query(8, ge=1, le=52), who: Principal = who_dep) -> Response:
        visible(who, "capacity.calendar")
        if not (oversees(who) or site in who.sites_with(SITE_ROLES)):
            raise refused(gov, who, "capacity.calendar", site, "that site's calendar is not yours to see")
        register = _register_for(room, {site})
        first = horizon(None)
        body = site_calendar(site, register.slots(first, weeks), room.bookings(), room.now())
        viewed(gov, who, "capacity.calendar", site, weeks=weeks)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="research-{_safe(site)}.ics"'},
        )

    return pages
