"""``/labelling/tasks/{task}/studies/{study}``: reading one study, OHIF (framed, same origin, the reader's own
session) beside the task's form. The form is posted by htmx (a plain post works too); the answers and
measurements become a DICOM SR (TID 1500, highdicom) stored through the archive's ingest like any instance,
then the read is submitted to the room, naming the SR and any SEG the reader saved from the viewer.

A reader sees their own read; others' only where the task is not blinded (the room decides). Reading needs
the project's data (the DICOMweb rule) as well as the assignment; every view and refusal is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from imaging_hub.events import Origin
from imaging_hub.governance import AuditRecord, Forbidden, Governance, InvalidInput, Principal
from imaging_hub.labelling import LabellingError, Labels, Task, carry_project, make_report, store_label
from imaging_hub.web.labelling_desk import LabellingDesk, actor_of, page_errors
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, csrf_of, page, signed_in_dependency
from imaging_hub.web.rendering import render
from imaging_hub.web.viewer_address import viewer_url


def labels_from(task: Task, form: Mapping[str, Any]) -> Labels:
    """``q_<question>`` (a category) and ``m_<measurement>`` (a number, empty: not measured). The room checks
    the answers against the schema; a number that is not one is named here by its measurement."""
    answers = {q.name: str(form.get(f"q_{q.name}", "")).strip() for q in task.schema.questions}
    answers = {k: v for k, v in answers.items() if v}
    measurements = {}
    for m in task.schema.measurements:
        text = str(form.get(f"m_{m.name}", "")).strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            raise LabellingError(f"measurement {m.name!r}: not a number") from None
        if not math.isfinite(value):
            raise LabellingError(f"measurement {m.name!r}: not a finite number")
        measurements[m.name] = value
    return Labels(answers, measurements)


def router(gov: Governance, desk: LabellingDesk) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def task_to_read(who: Principal, task_id: int, study: str, action: str) -> Task:
        with page_errors():
            task = desk.room.task(task_id)
        if not desk.may_read(who, task.project):
            desk.room.record(
                actor_of(who),
                action,
                task,
                "denied",
                study=study,
                reason="no access to the project's data (role or agreement in force)",
            )
            raise Forbidden(f"you may not read project {task.project}'s data")
        held = desk.aids.refusal(who.email, task.id, study) if desk.aids is not None else None
        if held is not None:  # a reader study's order: unaided before aided, after any washout
            desk.room.record(actor_of(who), action, task, "denied", study=study, reason=held)
            raise Forbidden(held)
        return task

    def state(who: Principal, task: Task, study: str) -> dict[str, Any]:
        actor = actor_of(who)
        with page_errors():
            mine = desk.room.open_study(actor, task.id, study)
            reads = desk.room.reads(actor, task.id, study)
        own = next((r for r in reads if r.reader == actor.name), None)
        return {
            "task": task,
            "study": study,
            "assignment": mine[0] if mine else None,
            "own": own,
            "others": [r for r in reads if r.reader != actor.name],
            "filed": desk.room.filed_labels(task.id, study, actor.name),
            "number": next((i + 1 for i, s in enumerate(task.studies) if s.study_uid == study), 0),
            # only once open_study has let the reader in; a reader study's aided task alone has any
            "aid": desk.aids.aid(actor.name, task.id, study) if desk.aids is not None else None,
        }

    @pages.get("/labelling/tasks/{task_id}/studies/{study}")
    def reading(task_id: int, study: str, request: Request, who: Principal = who_dep) -> Response:
        task = task_to_read(who, task_id, study, "study.open")
        values = state(who, task, study)
        return page(
            request,
            "reading.html",
            f"Reading study {values['number']}",
            who,
            "/labelling",
            viewer=viewer_url(study, "segmentation" if task.schema.segments else "viewer"),
            **values,
        )

    def submit(who: Principal, task_id: int, study: str, form: dict[str, Any]) -> dict[str, Any]:
        task = task_to_read(who, task_id, study, "read.submit")
        actor = actor_of(who)
        with page_errors():
            labels = labels_from(task, form)
            if not desk.room.has_open_assignment(actor.name, task_id, study):
                desk.room.submit_read(actor, task_id, study, labels)  # refuses, and records the refusal
            sources = desk.source_images(study)
            report = make_report(sources, labels, task.schema, actor.name, task_name=task.name)
            carry_project(report, sources[0])
            uid = store_label(desk.archive, report, origin=Origin("web", who.audit_name, who.address))
            gov.audit.record(
                AuditRecord(
                    actor=who.audit_name,
                    actor_kind=who.via,
                    address=who.address,
                    action="dicom.write",
                    entity_type="instance",
                    entity_id=uid,
                    project=task.project,
                    outcome="success",
                    detail={"via": "labelling form", "task": task.id, "sop_class": "Comprehensive 3D SR"},
                ),
                stored=[uid],  # a new SR each time: tied to this entry, so a crash here is settled once at start-up
            )
            desk.room.submit_read(actor, task_id, study, Labels(labels.answers, labels.measurements, (uid,)))
        return state(who, task, study)

    @pages.post("/labelling/tasks/{task_id}/studies/{study}/read")
    async def read(task_id: int, study: str, request: Request, who: Principal = who_dep) -> Response:
        form = dict(await request.form())
        check_csrf(request, str(form.get("csrf", "")))
        htmx = request.headers.get("hx-request") == "true"
        try:
            values = await run_in_threadpool(submit, who, task_id, study, form)
        except InvalidInput as exc:  # the form's own mistakes: shown beside the fields, nothing stored
            if not htmx:
                raise
            values = await run_in_threadpool(state, who, desk.room.task(task_id), study)
            return render("reading_form.html", "Read", csrf=csrf_of(request), error=str(exc), answers=form, **values)
        if htmx:
            return render("reading_form.html", "Read", csrf=csrf_of(request), saved=True, **values)
        return RedirectResponse("/labelling", status_code=303)

    return pages
