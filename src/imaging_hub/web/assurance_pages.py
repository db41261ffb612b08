"""The AI assurance pages: ``/assurance`` (the register of AI tools) and ``/assurance/tools/{id}`` (one tool's
validations with their reports, monitoring runs with their charts, open alarms), the reports themselves at
``/assurance/runs/{id}/{file}``, and the tool's incidents as the MHRA export's CSV at
``/assurance/tools/{id}/incidents.csv`` (the CLI's ``incident-export``; for those who may review incidents: a
registrar all of them, a project's lead those on its project's runs). The tool page's forms (incidents, alarms)
are in ``assurance_forms``.

Anyone signed in sees the register; runs, alarms and reports show only for projects the person may see
(``Projects.may_see``). Every view and every report read is audited, refusals included: report reads through
the assurance room, which records them in governance's trail.
Mount ``assurance_page_router(gov, archive)`` next to ``web_router``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import Governance, Principal, TrailSink, csrf_token
from imaging_hub.store import Archive
from imaging_hub.web.assurance_forms import add_assurance_forms, may_oversee
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.rendering import render

if TYPE_CHECKING:
    from imaging_hub.assurance import Actor, AssuranceRoom, Run

REPORT_TYPES = {".json": "application/json", ".html": "text/html; charset=utf-8", ".pdf": "application/pdf"}


def _open_room(gov: Governance, archive: Archive) -> AssuranceRoom:
    # Imported here: the assurance package loads scipy, statsmodels and matplotlib, which the hub's start need not pay.
    from imaging_hub.assurance import AssuranceRoom

    return AssuranceRoom.open(archive.database.writer, audit=TrailSink(gov.audit, actor_kind="user"))


def assurance_page_router(gov: Governance, archive: Archive) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=WebRoute)
    signed_in = signed_in_dependency(gov)
    opened: list[AssuranceRoom] = []

    def room() -> AssuranceRoom:
        if not opened:  # on first use: the hub's database is migrated by then and the import is paid once
            opened.append(_open_room(gov, archive))
        return opened[0]

    def actor(who: Principal, projects: set[str]) -> Actor:
        from imaging_hub.assurance import Actor

        return Actor(who.email, manages=frozenset(p for p in projects if gov.projects.may_see(who, p)))

    def csrf(request: Request) -> str:
        return csrf_token(request.cookies.get(SESSION_COOKIE, ""))

    def exporter(who: Principal, runs: list[Run]) -> tuple[Actor, frozenset[str] | None]:
        """Who exports the tool's incidents, decided as for reviewing one (``may_oversee``): a registrar every
        incident, a project's lead those flagged on its project's runs; the room refuses (and records) anyone else."""
        from imaging_hub.assurance import Actor

        if who.is_administrator:
            return Actor(who.email, registrar=True), None
        led = frozenset(p for p in {r.project for r in runs} if may_oversee(gov, who, p))
        return Actor(who.email, manages=led, registrar=bool(led)), led

    @router.get("/assurance")
    def register(request: Request, who: Principal = Depends(signed_in)) -> Response:
        tools = room().tools()
        open_alarms = {t.id: len(room().alarms(t.id)) for t in tools}
        gov.context.record(who, "assurance.register.view", "ai_tool", "*", detail={"tools": len(tools)})
        return render("assurance.html", "AI assurance", who=who, csrf=csrf(request), section="/assurance",
                      tools=tools, open_alarms=open_alarms)

    @router.get("/assurance/tools/{tool_id}")
    def tool_page(request: Request, tool_id: int, who: Principal = Depends(signed_in)) -> Response:
        from imaging_hub.assurance import HARMS, KINDS, NotFound, auc_history_svg

        try:
            tool = room().tool(tool_id)
        except NotFound:
            gov.context.record(who, "assurance.tool.view", "ai_tool", tool_id, outcome="failed")
            return render("error.html", "Page not found", who=who, detail="No such AI tool.", status_code=404)
        runs = room().runs(tool.id)
        seen = {p for p in {r.project for r in runs} if gov.projects.may_see(who, p)}
        shown = [r for r in runs if r.project in seen]
        alarms = [a for a in room().alarms(tool.id) if any(r.id == a.run_id for r in shown)]
        validations = [r for r in shown if r.kind == "validation"]
        history = [(f"run {r.id} {r.snapshot}", r.summary["auc"]["estimate"], *r.summary["auc"]["ci"])
                   for r in reversed(validations) if r.summary.get("auc", {}).get("estimate") is not None]
        chart = auc_history_svg(history) if history else ""
        project_of = {r.id: r.project for r in runs}
        flagged = [i for i in room().incidents(tool.id)
                   if (project_of.get(i.run_id) in seen if i.run_id is not None else who.is_administrator)]
        oversees = {p: may_oversee(gov, who, p) for p in seen | {""}}
        monitoring = [r for r in shown if r.kind == "monitoring"]
        # A study is listed to those who may open it: its analysis for a lead, their own feedback for a reader.
        reader_studies = [(s, may_oversee(gov, who, s.project)) for s in room().reader_studies(tool.id)
                          if who.email in s.readers or may_oversee(gov, who, s.project)]
        control = latest_control_charts(monitoring[:1], lambda r: actor(who, {r.project}))
        gov.context.record(who, "assurance.tool.view", "ai_tool", tool.id,
                           detail={"runs": len(shown), "hidden": len(runs) - len(shown), "alarms": len(alarms),
                                   "reader_studies": len(reader_studies)})
        return render("assurance_tool.html", f"AI tool {tool.label}", who=who, csrf=csrf(request),
                      section="/assurance", tool=tool, validations=validations, alarms=alarms, chart=chart,
                      monitoring=monitoring, control=control, reader_studies=reader_studies,
                      incidents=room().incident_counts(tool.id), flagged=flagged, project_of=project_of,
                      oversees=oversees, kinds=KINDS, harms=HARMS, shown=shown,
                      may_export=exporter(who, runs)[0].registrar,
                      inference=[r for r in shown if r.kind == "inference"])

    @router.get("/assurance/tools/{tool_id}/incidents.csv")
    def incidents_csv(tool_id: int, who: Principal = Depends(signed_in)) -> Response:
        from imaging_hub.assurance import NotFound, Refused

        try:
            tool = room().tool(tool_id)
        except NotFound:
            gov.context.record(who, "assurance.incident.export", "ai_tool", tool_id, outcome="failed")
            return render("error.html", "Page not found", who=who, detail="No such AI tool.", status_code=404)
        exporting, projects = exporter(who, room().runs(tool.id))
        try:
            text = room().export_incidents(exporting, tool.id, projects=projects)
        except Refused:  # the room has recorded the refusal
            return render("error.html", "Not allowed", who=who, status_code=403, detail="Only a registrar or the "
                          "lead of a project that ran this tool may export its incidents.")
        disposition = f'attachment; filename="ai-tool-{tool.id}-incidents.csv"'
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})

    @router.get("/assurance/runs/{run_id}/{name}")
    def report(run_id: int, name: str, who: Principal = Depends(signed_in)) -> Response:
        from imaging_hub.assurance import NotFound, Refused

        try:
            found = room().run(run_id)
        except NotFound:
            gov.context.record(who, "assurance.report.read", "assurance_run", run_id, outcome="failed")
            return render("error.html", "Page not found", who=who, detail="No such run.", status_code=404)
        try:
            path = room().read_report(actor(who, {found.project}), run_id, name)
        except Refused:
            return render("error.html", "Not allowed", who=who, detail="This run belongs to a project you do not "
                          "take part in.", status_code=403)
        except NotFound:
            return render("error.html", "Page not found", who=who, detail="No such report file.", status_code=404)
        return FileResponse(path, media_type=REPORT_TYPES[path.suffix])

    def latest_control_charts(latest: list[Run], actor_of: Callable[[Run], Actor]) -> tuple[int, dict[str, str]] | None:
        """The CUSUM and EWMA charts of the newest monitoring run, read through the room (an audited report
        read); None where that run kept no series (made before the series were kept) or no report."""
        from imaging_hub.assurance import NotFound, Refused, control_charts

        if not latest or not latest[0].report_folder:
            return None
        try:
            path = room().read_report(actor_of(latest[0]), latest[0].id, "monitor.json")
        except (NotFound, Refused):
            return None
        series = json.loads(path.read_text()).get("series")
        return (latest[0].id, control_charts(series, svg=True)) if series else None

    add_assurance_forms(router, gov, room, signed_in)
    return router
