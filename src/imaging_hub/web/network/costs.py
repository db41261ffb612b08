"""``/network/costs``: first the portfolio studies' costs from what the hub recorded (``recorded_costs``: the
stored schedules, tariffs and overrides, changed through ``costs_records``' forms); then AcoRD attribution and
cost per site and month from uploaded CSVs (a study's schedule of events, the recorded activity and the annual
tariff, as ``imaging-hub costs attribute`` takes them) with the AcoRD overrides a person decided (optional CSV,
``OVERRIDE_COLUMNS``: each names who, when and why). Shown as a page or downloaded as the XLSX workbook. The
same engine; an upload keeps nothing. For network oversight; every run, override applied and refusal is
audited."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from imaging_hub.governance import Governance, Principal
from imaging_hub.network import costs as engine
from imaging_hub.web.network.access import oversees, refused, viewed
from imaging_hub.web.network.recorded_costs import RecordedCosts
from imaging_hub.web.network.svg import inline_svg
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import check_csrf, page

FILES = ("schedule", "activity", "tariff")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = {
    "schedule": engine.SCHEDULE_COLUMNS,
    "activity": engine.ACTIVITY_COLUMNS,
    "tariff": engine.TARIFF_COLUMNS,
    "overrides": engine.OVERRIDE_COLUMNS,
}


def costs_form(
    request: Request, who: Principal, recorded: RecordedCosts | None, stored_problems: list[str], status: int = 200
) -> Response:
    """The costs page without an upload's results: the recorded costs first (with ``stored_problems`` from a
    refused change), then the upload form."""
    view = recorded.view() if recorded else None
    return page(
        request,
        "network_costs.html",
        "Research costs",
        who,
        "/network/costs",
        report=None,
        problems=[],
        columns=COLUMNS,
        recorded=view,
        recorded_chart=inline_svg(engine.cost_chart(view.report), "Recorded cost per month by AcoRD category")
        if view and view.report and view.report.lines else None,
        stored_problems=stored_problems,
        may_change=who.is_administrator,
        categories=list(engine.Category),
        kinds=[k.value for k in engine.ActivityKind],
        part_b_items=[i.value for i in engine.PartBItem],
        status_code=status,
    )


def router(gov: Governance, recorded: RecordedCosts | None = None) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def allowed(who: Principal, action: str) -> None:
        if not oversees(who):
            raise refused(gov, who, action, "costs", "research costs are for network oversight")

    @pages.get("/network/costs")
    def form(request: Request, who: Principal = who_dep) -> Response:
        allowed(who, "costs.view")
        response = costs_form(request, who, recorded, [])
        viewed(gov, who, "costs.view", "costs", recorded=recorded is not None)
        return response

    @pages.post("/network/costs")
    async def attribute(
        request: Request,
        csrf: str = Form(""),
        schedule: UploadFile = File(...),
        activity: UploadFile = File(...),
        tariff: UploadFile = File(...),
        overrides: UploadFile | None = File(None),
        answer: str = Form("page"),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        allowed(who, "costs.attribute")
        if answer not in {"page", "xlsx"}:
            raise refused(gov, who, "costs.attribute", "costs", "answer: expected page or xlsx")
        with tempfile.TemporaryDirectory(prefix="hub-costs-") as folder:
            paths = {}
            for name, upload in zip(FILES, (schedule, activity, tariff), strict=True):
                paths[name] = Path(folder) / f"{name}.csv"  # the engine names files in errors by these names
                paths[name].write_bytes(await upload.read())
            decided: dict[engine.ScheduledActivity, engine.Attribution] = {}
            try:
                schedule_read = engine.read_schedule(paths["schedule"])
                if overrides is not None and overrides.filename:
                    paths["overrides"] = Path(folder) / "overrides.csv"
                    paths["overrides"].write_bytes(await overrides.read())
                    decided = engine.read_overrides(paths["overrides"], schedule_read)
                report = engine.cost(
                    schedule_read,
                    engine.Tariffs([engine.read_tariff(paths["tariff"])]),
                    engine.read_activity(paths["activity"]),
                    decided,
                )
            except engine.CostsInputError as exc:
                gov.context.record(
                    who,
                    "network.costs.attribute",
                    "network_page",
                    "costs",
                    purpose="network",
                    outcome="failed",
                    detail={"problems": len(exc.problems)},
                )
                return page(
                    request,
                    "network_costs.html",
                    "Research costs",
                    who,
                    "/network/costs",
                    report=None,
                    problems=[str(p) for p in exc.problems],
                    columns={},
                    status_code=400,
                )
            for step, decision in decided.items():  # each override applied, with who decided it (not why)
                viewed(
                    gov,
                    who,
                    "costs.override",
                    f"{step.visit.arm}/{step.visit.visit}/{step.name}"[:200],
                    category=decision.category.name,
                    decided_by=decision.override.by if decision.override else "",
                )
            if answer == "xlsx":
                book = Path(folder) / "costs.xlsx"
                engine.write_workbook(report, book)
                viewed(gov, who, "costs.xlsx", "costs", lines=len(report.lines), overrides=len(decided))
                return Response(
                    book.read_bytes(),
                    media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="costs.xlsx"'},
                )
        totals = {c.label: report.category_total(c) for c in engine.Category}
        viewed(
            gov,
            who,
            "costs.attribute",
            "costs",
            lines=len(report.lines),
            site_months=len(report.site_months()),
            overrides=len(decided),
        )
        return page(
            request,
            "network_costs.html",
            "Research costs",
            who,
            "/network/costs",
            report=report,
            totals=totals,
            months=report.site_months(),
            categories=list(engine.Category),
            problems=[],
            columns={},
            chart=inline_svg(engine.cost_chart(report), "Cost per month by AcoRD category"),
        )

    return pages
