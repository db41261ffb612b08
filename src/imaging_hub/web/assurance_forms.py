"""The forms on an AI tool's page: flag the tool's result on a case as an incident, review or close an incident,
and close a monitoring alarm. Each goes through the assurance room's own method, which decides and records.

Flagging is for anyone who may see the flagged run's project; reviewing an incident or closing an alarm is for a
registrar (a network administrator) or the lead of the run's project. CSRF is checked first, and every refusal,
unknown target and bad input is audited too; errors name the field that was wrong, never echo what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import Governance, Principal, Role, csrf_token
from imaging_hub.web.rendering import render

if TYPE_CHECKING:
    from imaging_hub.assurance import Actor, AssuranceRoom

RoomOf = Callable[[], "AssuranceRoom"]


def may_oversee(gov: Governance, who: Principal, project: str) -> bool:
    """A registrar, or the lead of the project the run belongs to."""
    return who.is_administrator or (
        bool(project) and who.holds(Role.PROJECT_LEAD, project) and gov.projects.may_see(who, project)
    )


def add_assurance_forms(router: APIRouter, gov: Governance, room: RoomOf, signed_in: Callable[..., Principal]) -> None:
    def refused(who: Principal, action: str, entity: str, entity_id: int, why: str, status: int) -> Response:
        gov.context.record(
            who, action, entity, entity_id, outcome="denied" if status == 403 else "failed", detail={"why": why}
        )
        title = {403: "Not allowed", 404: "Page not found"}.get(status, "Check the form")
        return render("error.html", title, who=who, detail=why, status_code=status)

    def fresh(request: Request, csrf: str) -> bool:
        return bool(csrf) and csrf == csrf_token(request.cookies.get(SESSION_COOKIE, ""))

    def overseer(who: Principal, project: str) -> Actor:
        from imaging_hub.assurance import Actor

        return Actor(
            who.email,
            manages=frozenset({project}) if project else frozenset(),
            registrar=may_oversee(gov, who, project),
        )

    def back(tool_id: int, anchor: str) -> Response:
        return RedirectResponse(f"/assurance/tools/{tool_id}#{anchor}", status_code=303)

    @router.post("/assurance/tools/{tool_id}/incidents")
    def flag(
        tool_id: int,
        request: Request,
        run_id: int = Form(0),
        csrf: str = Form(""),
        case_id: str = Form(""),
        kind: str = Form(""),
        harm: str = Form(""),
        description: str = Form(""),
        who: Principal = Depends(signed_in),
    ) -> Response:
        from imaging_hub.assurance import Actor, AssuranceInputError, IncidentSpec, NotFound

        action = "assurance.incident.report"
        if not fresh(request, csrf):
            return refused(who, action, "assurance_run", run_id, "The form has expired; reload the page.", 403)
        try:
            run = room().run(run_id)
        except NotFound:
            return refused(who, action, "assurance_run", run_id, "No such run.", 404)
        if run.tool_id != tool_id or not gov.projects.may_see(who, run.project):  # unseen answers as unknown
            return refused(who, action, "assurance_run", run_id, "No such run.", 404)
        try:
            found = room().report_incident(
                Actor(who.email, manages=frozenset({run.project})),
                run.tool_id,
                IncidentSpec(case_id, kind, harm, description, run_id=run.id),
            )
        except AssuranceInputError as exc:
            return refused(who, action, "assurance_run", run_id, str(exc), 400)
        return back(found.tool_id, "incidents")

    @router.post("/assurance/incidents/{incident_id}/review")
    def review(
        incident_id: int,
        request: Request,
        csrf: str = Form(""),
        review: str = Form(""),
        close: str = Form(""),
        who: Principal = Depends(signed_in),
    ) -> Response:
        from imaging_hub.assurance import AssuranceInputError, NotFound, Refused

        action = "assurance.incident.review"
        if not fresh(request, csrf):
            return refused(
                who, action, "assurance_incident", incident_id, "The form has expired; reload the page.", 403
            )
        try:
            found = room().incident(incident_id)
            project = room().run(found.run_id).project if found.run_id is not None else ""
        except NotFound:
            return refused(who, action, "assurance_incident", incident_id, "No such incident.", 404)
        try:
            room().review_incident(overseer(who, project), incident_id, review, close=close == "yes")
        except Refused:  # the room has recorded the refusal
            return render(
                "error.html",
                "Not allowed",
                who=who,
                status_code=403,
                detail="Only a registrar or the project's lead may review this incident.",
            )
        except AssuranceInputError as exc:
            return refused(
                who, action, "assurance_incident", incident_id, str(exc), 409 if "closed" in str(exc) else 400
            )
        return back(found.tool_id, "incidents")

    @router.post("/assurance/alarms/{alarm_id}/close")
    def close_alarm(
        alarm_id: int, request: Request, csrf: str = Form(""), note: str = Form(""), who: Principal = Depends(signed_in)
    ) -> Response:
        from imaging_hub.assurance import AssuranceInputError, NotFound, Refused

        action = "assurance.alarm.close"
        if not fresh(request, csrf):
            return refused(who, action, "assurance_alarm", alarm_id, "The form has expired; reload the page.", 403)
        try:
            alarm = room().alarm(alarm_id)
            project = room().run(alarm.run_id).project
        except NotFound:
            return refused(who, action, "assurance_alarm", alarm_id, "No such alarm.", 404)
        try:
            room().close_alarm(overseer(who, project), alarm_id, note)
        except Refused:
            return render(
                "error.html",
                "Not allowed",
                who=who,
                status_code=403,
                detail="Only a registrar or the project's lead may close this alarm.",
            )
        except AssuranceInputError as exc:
            return refused(who, action, "assurance_alarm", alarm_id, str(exc), 409 if "closed" in str(exc) else 400)
        return back(alarm.tool_id, "alarms")
