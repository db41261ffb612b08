"""Reader studies on the web: ``/assurance/reader-studies`` (the studies a person leads or read in; a registrar or
a project's lead sets one up there from an AI tool's run and a labelling task's final answers, POST),
``/assurance/reader-studies/{id}`` (the group's analysis: AUC without and with the AI, the difference with its CI
and p-value; for a registrar or the project's lead) and ``/assurance/reader-studies/{id}/feedback`` (a reader's
own performance for their CPD; for that reader alone, no route names another reader).

The hub's ``ReaderStudies`` joins the labelling and assurance rooms; the assurance room decides who may see what
and records every view and refusal in governance's trail. Mount ``reader_study_router(gov, studies)``; the same
``studies`` is the labelling desk's ``aids`` (the tool's output on the aided reading page, order and washout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import Governance, Principal, TrailSink, csrf_token
from imaging_hub.hub import ReaderStudies, StudyActor, StudyPlan
from imaging_hub.labelling import LabellingRoom
from imaging_hub.store import Archive
from imaging_hub.web.assurance_forms import may_oversee
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.rendering import render

if TYPE_CHECKING:
    from imaging_hub.assurance import AssuranceRoom, Run


def reader_studies(gov: Governance, archive: Archive, labelling: LabellingRoom) -> ReaderStudies:
    """The hub's reader studies over the labelling room, the assurance room opened on first use (its import loads
    scipy, statsmodels and matplotlib) with its audit written to governance's trail."""
    opened: list[AssuranceRoom] = []

    def assurance() -> AssuranceRoom:
        if not opened:
            from imaging_hub.assurance import AssuranceRoom

            opened.append(AssuranceRoom.open(archive.database.writer, audit=TrailSink(gov.audit, actor_kind="user")))
        return opened[0]

    return ReaderStudies(labelling, assurance)


def reader_study_router(gov: Governance, studies: ReaderStudies) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=WebRoute)
    signed_in = Depends(signed_in_dependency(gov))

    def actor(who: Principal, project: str) -> StudyActor:
        leads = frozenset({project}) if may_oversee(gov, who, project) else frozenset()
        return StudyActor(who.email, kind="user", address=who.address, leads=leads)

    def missing(who: Principal, action: str, study_id: int) -> Response:
        gov.context.record(who, action, "reader_study", study_id, outcome="failed", detail={"why": "not found"})
        return render("error.html", "Page not found", who=who, detail="No such reader study.", status_code=404)

    def runs_overseen(who: Principal) -> list[tuple[str, Run]]:
        """The inference runs (whose study scores aided readers would see) of projects the person oversees."""
        room = studies.assurance
        return [(tool.label, run) for tool in room.tools() for run in room.runs(tool.id, "inference")
                if may_oversee(gov, who, run.project)]

    @router.get("/assurance/reader-studies")
    def listing(request: Request, who: Principal = signed_in) -> Response:
        found = studies.assurance.reader_studies()
        leads = [s for s in found if may_oversee(gov, who, s.project)]
        mine = [s for s in found if who.email in s.readers]
        gov.context.record(who, "assurance.reader_study.list", "reader_study", "*",
                           detail={"leads": len(leads), "reads": len(mine)})
        return render("assurance_reader_studies.html", "Reader studies", who=who, section="/assurance",
                      csrf=csrf_token(request.cookies.get(SESSION_COOKIE, "")), leads=leads, mine=mine,
                      runs=runs_overseen(who))

    @router.post("/assurance/reader-studies")
    def create(
        request: Request,
        csrf: str = Form(""),
        run_id: int = Form(0),
        name: str = Form(""),
        readers: str = Form(""),
        reference_task: int = Form(0),
        question: str = Form(""),
        positive: str = Form(""),
        washout_days: int = Form(0),
        who: Principal = signed_in,
    ) -> Response:
        """Set a study up from a run and a labelling task's final answers (the reference standard)."""
        from imaging_hub.assurance import AssuranceInputError, NotFound, Refused

        action = "assurance.reader_study.create"

        def refused(why: str, status: int) -> Response:
            gov.context.record(who, action, "assurance_run", run_id, outcome="denied" if status == 403 else "failed",
                               detail={"why": why})
            title = {403: "Not allowed", 404: "Page not found"}.get(status, "Check the form")
            return render("error.html", title, who=who, detail=why, status_code=status)

        if not csrf or csrf != csrf_token(request.cookies.get(SESSION_COOKIE, "")):
            return refused("The form has expired; reload the page.", 403)
        try:
            run = studies.assurance.run(run_id)
        except NotFound:
            return refused("No such run.", 404)
        if not gov.projects.may_see(who, run.project):  # unseen answers as unknown
            return refused("No such run.", 404)
        people = tuple(dict.fromkeys(p.strip() for p in readers.replace(",", "\n").splitlines() if p.strip()))
        try:
            reference, source = studies.reference_from_task(run.project, reference_task, question.strip(),
                                                            positive.strip())
            record = studies.create(actor(who, run.project), StudyPlan(
                name, run.id, people, reference, source, washout_days=washout_days))
        except Refused:  # recorded by the room
            return render("error.html", "Not allowed", who=who, status_code=403,
                          detail="Only a registrar or the project's lead may set up its reader studies.")
        except AssuranceInputError as exc:
            return refused(str(exc), 400)
        return RedirectResponse(f"/assurance/reader-studies/{record.id}", status_code=303)

    @router.get("/assurance/reader-studies/{study_id}")
    def analysis(study_id: int, who: Principal = signed_in) -> Response:
        from imaging_hub.assurance import AssuranceInputError, NotFound, Refused

        try:
            record = studies.assurance.reader_study(study_id)
        except NotFound:
            return missing(who, "assurance.reader_study.analyse", study_id)
        try:
            record, result = studies.analyse(actor(who, record.project), study_id)
        except Refused:  # recorded by the room
            return render("error.html", "Not allowed", who=who, status_code=403,
                          detail="Only a registrar or the project's lead may see a reader study's analysis.")
        except AssuranceInputError as exc:  # reads still to come: the view is recorded, the page says so
            return render("assurance_reader_study.html", f"Reader study {record.name}", who=who,
                          section="/assurance", record=record, waiting=str(exc), result=None)
        tool = studies.assurance.tool(record.tool_id)
        return render("assurance_reader_study.html", f"Reader study {record.name}", who=who, section="/assurance",
                      record=record, tool=tool, result=result.to_json(), waiting=None)

    @router.get("/assurance/reader-studies/{study_id}/feedback")
    def feedback(study_id: int, who: Principal = signed_in) -> Response:
        from imaging_hub.assurance import AssuranceInputError, NotFound, Refused

        try:
            record = studies.assurance.reader_study(study_id)
        except NotFound:
            return missing(who, "assurance.reader_study.feedback", study_id)
        try:
            record, mine = studies.feedback(StudyActor(who.email, kind="user", address=who.address), study_id)
        except Refused:  # recorded by the room
            return render("error.html", "Not allowed", who=who, status_code=403,
                          detail="Feedback from a reader study is private to each of its readers.")
        except AssuranceInputError as exc:
            return render("assurance_reader_feedback.html", "Your reader study feedback", who=who,
                          section="/assurance", record=record, waiting=str(exc), feedback=None)
        return render("assurance_reader_feedback.html", "Your reader study feedback", who=who, section="/assurance",
                      record=record, waiting=None, feedback=mine)

    return router
