"""``/network/activity``: research activity per site and month, counted from the studies that arrived at the hub
(the archive's change feed, ``hub_activity``) and the reads done in the labelling and network rooms
(``hub_reads``), plus manual entries, with a chart per site and per study; a form
for a manual entry (a network administrator, or the data manager of the entry's site); and the portfolio
upload CSV for the national system. Network oversight sees every site, a site data manager their own. Every
view, change and refusal is audited."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import network_actor
from imaging_hub.governance import SITE_ROLES, Forbidden, Governance, Principal
from imaging_hub.network.activity import (
    ActivityInputError,
    ActivityRefused,
    ActivityRoom,
    ManualEntry,
    Measure,
    write_portfolio_upload,
)
from imaging_hub.web.network.access import oversees, refused, viewed
from imaging_hub.web.network.activity_charts import activity_chart
from imaging_hub.web.network.activity_counter import ActivityCounter
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import check_csrf, page

FIELD_LIMIT = 64  # an IRAS ID, a site code, a month, a timepoint


def router(gov: Governance, room: ActivityRoom, counter: ActivityCounter) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def visible(who: Principal, action: str) -> set[str] | None:
        """Every site (None) for oversight, a data manager's own sites; others refused."""
        if oversees(who):
            return None
        mine = set(who.sites_with(SITE_ROLES))
        if not mine:
            raise refused(gov, who, action, "activity", "research activity is for the network and site data managers")
        return mine

    def show(request: Request, who: Principal, problems: list[str], status: int = 200) -> Response:
        sites = visible(who, "activity.view")
        report = counter.report(sites)
        studies = room.studies()
        entry_sites = sorted({s for st in studies for s in st.sites if room.may_enter(network_actor(who), s)})
        viewed(
            gov, who, "activity.view", "activity", rows=len(report.rows), sites="all" if sites is None else len(sites)
        )
        return page(
            request,
            "network_activity.html",
            "Research activity",
            who,
            "/network/activity",
            report=report,
            studies=studies,
            entry_sites=entry_sites,
            measures=[m.value for m in Measure],
            problems=problems,
            may_export=oversees(who),
            site_chart=activity_chart(report.rows, "site", "Activity per month for each site"),
            study_chart=activity_chart(report.rows, "study", "Activity per month for each portfolio study"),
            status_code=status,
        )

    @pages.get("/network/activity")
    def overview(request: Request, who: Principal = who_dep) -> Response:
        return show(request, who, [])

    @pages.post("/network/activity/manual")
    def add_manual(
        request: Request,
        csrf: str = Form(""),
        iras_id: str = Form(""),
        site: str = Form(""),
        month: str = Form(""),
        measure: str = Form(""),
        timepoint: str = Form(""),
        count: str = Form(""),
        note: str = Form(""),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        actor = network_actor(who)
        try:
            entry = _entry(iras_id, site, month, measure, timepoint, count, note, actor.name)
            room.add_manual(actor, entry)
        except ActivityRefused as exc:
            raise Forbidden(str(exc)) from None  # the room audited the refusal
        except ActivityInputError as exc:
            gov.context.record(
                who,
                "network.activity.manual.add",
                "network_page",
                "activity",
                purpose="network",
                outcome="failed",
                detail={"problem": str(exc)},
            )
            return show(request, who, [str(exc)], 400)
        return RedirectResponse("/network/activity", status_code=303)

    @pages.get("/network/activity/portfolio.csv")
    def portfolio(who: Principal = who_dep) -> Response:
        if not oversees(who):
            raise refused(gov, who, "activity.portfolio", "activity", "the portfolio upload is for network oversight")
        report = counter.report(None)
        with tempfile.TemporaryDirectory(prefix="hub-activity-") as folder:
            path = Path(folder) / "portfolio.csv"
            write_portfolio_upload(report, path)
            body = path.read_bytes()
        viewed(gov, who, "activity.portfolio", "activity", participants=len(report.enrolments))
        return Response(
            body, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="portfolio-upload.csv"'}
        )

    return pages


def _entry(
    iras_id: str, site: str, month: str, measure: str, timepoint: str, count: str, note: str, by: str
) -> ManualEntry:
    for name, value in (("IRAS ID", iras_id), ("site", site), ("month", month), ("timepoint", timepoint)):
        if len(value) > FIELD_LIMIT:
            raise ActivityInputError(f"{name}: longer than {FIELD_LIMIT} characters")
    try:
        kind = Measure(measure)
    except ValueError:
        raise ActivityInputError("kind: expected one of " + ", ".join(m.value for m in Measure)) from None
    text = count.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        raise ActivityInputError("count: expected a whole number from 0")
    return ManualEntry(
        iras_id.strip(), site.strip(), month.strip(), kind, int(text), by, timepoint.strip() or None, note.strip()
    )
