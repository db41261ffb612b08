"""Changing what the recorded costs rest on, on ``/network/costs``: a financial year's tariff (CSV), a study's
whole schedule of events (CSV) or one activity of it (a form), and an AcoRD override per activity with its
justification (a form on each activity's row). Every change goes through the costs engine's own readers and the
``StudyCosts`` ledger, which lets only a network administrator change anything and audits each change and
refusal; a bad input stores nothing and is answered on the page with what was wrong (and audited as failed).
The recorded costs download as the XLSX workbook the upload form gives, and as its per site and month CSV."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from imaging_hub.api import network_actor
from imaging_hub.governance import Forbidden, Governance, Principal
from imaging_hub.network import costs as engine
from imaging_hub.network.activity import ActivityInputError, ActivityRefused, StudyCosts
from imaging_hub.web.network.access import oversees, refused, viewed
from imaging_hub.web.network.costs import XLSX, costs_form
from imaging_hub.web.network.recorded_costs import RecordedCosts
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import check_csrf

T = TypeVar("T")
UPLOAD_LIMIT = 2_000_000  # bytes: a tariff or schedule is a few hundred rows
FIELD_LIMIT = 2000


def router(gov: Governance, ledger: StudyCosts, recorded: RecordedCosts) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def failed(request: Request, who: Principal, action: str, problems: list[str]) -> Response:
        gov.context.record(who, f"network.costs.{action}", "network_page", "costs", purpose="network",
                           outcome="failed", detail={"problems": len(problems)})
        return costs_form(request, who, recorded, problems, 400)

    def change(request: Request, who: Principal, action: str, step: Callable[[], object]) -> Response:
        """Run ``step`` as the caller: refusals answer 403 (the ledger audited them)."""
        try:
            step()
        except ActivityRefused as exc:
            raise Forbidden(str(exc)) from None
        except ActivityInputError as exc:
            return failed(request, who, action, [str(exc)])
        except engine.CostsInputError as exc:
            return failed(request, who, action, [str(p) for p in exc.problems])
        return RedirectResponse("/network/costs#recorded", status_code=303)

    async def text_of(upload: UploadFile) -> bytes:
        body = await upload.read(UPLOAD_LIMIT + 1)
        if len(body) > UPLOAD_LIMIT:
            raise ActivityInputError(f"file: larger than {UPLOAD_LIMIT} bytes")
        return body

    def manager(who: Principal, action: str) -> None:
        """Refused before any upload is read: only an administrator changes the costs' inputs."""
        if not network_actor(who).manager:
            raise refused(gov, who, action, "costs", "only a network administrator may change the costs' inputs")

    @pages.post("/network/costs/tariff")
    async def tariff(request: Request, csrf: str = Form(""), tariff: UploadFile = File(...),
                     who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        manager(who, "costs.tariff.put")
        try:
            body = await text_of(tariff)
        except ActivityInputError as exc:
            return failed(request, who, "tariff.put", [str(exc)])
        return change(request, who, "tariff.put",
                      lambda: ledger.put_tariff(network_actor(who), _read(body, "tariff.csv", engine.read_tariff)))

    @pages.post("/network/costs/schedule")
    async def schedule(request: Request, csrf: str = Form(""), iras_id: str = Form(""),
                       schedule: UploadFile = File(...), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        manager(who, "costs.schedule.put")
        try:
            body = await text_of(schedule)
        except ActivityInputError as exc:
            return failed(request, who, "schedule.put", [str(exc)])

        def store() -> None:
            read = _read(body, "schedule.csv", engine.read_schedule)
            ledger.put_schedule(network_actor(who), iras_id.strip()[:16], read.activities)

        return change(request, who, "schedule.put", store)

    @pages.post("/network/costs/schedule/activity")
    def activity(
        request: Request,
        csrf: str = Form(""),
        iras_id: str = Form(""),
        arm: str = Form(""),
        visit: str = Form(""),
        name: str = Form(""),
        kind: str = Form(""),
        staff_role: str = Form(""),
        minutes: str = Form(""),
        tariff_code: str = Form(""),
        patient_care: str = Form(""),
        continues_after_study: str = Form(""),
        standard_care: str = Form(""),
        part_b_item: str = Form(""),
        replaces_tariff_code: str = Form(""),
        per_visit: str = Form(""),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        manager(who, "costs.schedule.activity")
        cells = [iras_id, arm, visit, name, kind, staff_role, minutes, tariff_code, patient_care,
                 continues_after_study, standard_care, part_b_item, replaces_tariff_code, per_visit]
        if any(len(cell) > FIELD_LIMIT for cell in cells):
            return failed(request, who, "schedule.activity", [f"a field is longer than {FIELD_LIMIT} characters"])

        def store() -> None:
            # One row through the schedule reader, so a form and a file are checked alike. The plain csv writer on
            # purpose: this text never reaches a spreadsheet, and defusing it here would store the apostrophe;
            # the exports that carry these names defuse them (imaging_hub.spreadsheet).
            text = io.StringIO()
            csv.writer(text).writerows([[*engine.SCHEDULE_COLUMNS, *engine.SCHEDULE_OPTIONAL_COLUMNS],
                                        [c.strip() for c in cells]])
            read = _read(text.getvalue().encode(), "activity form", engine.read_schedule)
            ledger.put_activity(network_actor(who), iras_id.strip(), read.activities[0])

        return change(request, who, "schedule.activity", store)

    @pages.post("/network/costs/override")
    def override(
        request: Request,
        csrf: str = Form(""),
        iras_id: str = Form(""),
        arm: str = Form(""),
        visit: str = Form(""),
        name: str = Form(""),
        category: str = Form(""),
        justification: str = Form(""),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        manager(who, "costs.override")
        if any(len(cell) > FIELD_LIMIT for cell in (iras_id, arm, visit, name, category)):
            return failed(request, who, "override", [f"a field is longer than {FIELD_LIMIT} characters"])
        chosen = next((c for c in engine.Category if c.value == category.strip()), None)
        if chosen is None:
            return failed(request, who, "override",
                          ["category: expected one of " + ", ".join(c.value for c in engine.Category)])
        key = engine.VisitKey(iras_id.strip(), arm.strip(), visit.strip())
        return change(request, who, "override",
                      lambda: ledger.add_override(network_actor(who), key, name.strip(), chosen, justification))

    def download(request: Request, who: Principal, kind: str, media: str,
                 write: Callable[[engine.CostReport, Path], None],
                 counted: Callable[[engine.CostReport], dict[str, int]]
                 ) -> Response:
        """The recorded costs as a file ``recorded-costs.<kind>`` for network oversight, audited either way."""
        action = f"costs.recorded.{kind}"
        if not oversees(who):
            raise refused(gov, who, action, "costs", "research costs are for network oversight")
        view = recorded.view()
        if view.report is None:
            return failed(request, who, f"recorded.{kind}", view.problems)
        with tempfile.TemporaryDirectory(prefix="hub-costs-") as folder:
            path = Path(folder) / f"costs.{kind}"
            write(view.report, path)
            body = path.read_bytes()
        viewed(gov, who, action, "costs", **counted(view.report))
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="recorded-costs.{kind}"'})

    @pages.get("/network/costs/recorded.xlsx")
    def workbook(request: Request, who: Principal = who_dep) -> Response:
        return download(request, who, "xlsx", XLSX, engine.write_workbook, lambda report: {"lines": len(report.lines)})

    @pages.get("/network/costs/recorded.csv")
    def summary(request: Request, who: Principal = who_dep) -> Response:
        """Per site and month by category (``costs.SUMMARY_COLUMNS``), as the upload form's summary CSV."""
        return download(request, who, "csv", "text/csv", engine.write_summary_csv,
                        lambda report: {"site_months": len(report.site_months())})

    return pages


def _read(body: bytes, name: str, reader: Callable[[Path], T]) -> T:
    """Read an upload with one of the costs engine's file readers (they read paths, and name this file)."""
    with tempfile.TemporaryDirectory(prefix="hub-costs-") as folder:
        path = Path(folder) / name
        path.write_bytes(body)
        return reader(path)
