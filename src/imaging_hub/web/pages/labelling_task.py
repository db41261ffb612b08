"""``/labelling/tasks/{task}/agreement``: a task for the people who manage it (the project's lead). Reader
agreement per question (Cohen's kappa per pair of readers, Fleiss' kappa, 95% intervals), Dice and HD95 per
pair of readers' segmentations, the studies the readers disagreed on (sent to the adjudicator when the task
has one), progress per reader and site with its chart (SVG drawn by the hub), an export of the labels under
a data-sharing agreement in force, and an import of existing reads from CSV. The room refuses anyone else
and records every view, export and import."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from imaging_hub.governance import Forbidden, Governance, InvalidInput, Principal
from imaging_hub.labelling import LabellingError, Task, parse_reads_csv, progress_svg
from imaging_hub.web.labelling_desk import LabellingDesk, actor_of, page_errors
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, page, signed_in_dependency

MAX_CSV_BYTES = 5 * 1024 * 1024


def disagreements(desk: LabellingDesk, task: Task) -> list[dict[str, Any]]:
    """Studies whose reads are all in but whose labels are not final: with the adjudicator, or flagged."""
    finals = desk.room.final_labels(task.id)
    reads: dict[str, int] = {}
    for r in desk.room.all_reads(task.id):
        if r.role == "reader":
            reads[r.study_uid] = reads.get(r.study_uid, 0) + 1
    adjudications = {a.study_uid: a for a in desk.room.assignments(task.id) if a.role == "adjudicator"}
    found = []
    for number, study in enumerate(task.studies, start=1):
        adjudication = adjudications.get(study.study_uid)
        if adjudication is not None:
            state = "adjudicated" if adjudication.done else f"with the adjudicator ({adjudication.reader})"
        elif reads.get(study.study_uid, 0) >= task.reads_per_study and finals.get(study.study_uid) is None:
            state = "readers disagree (no adjudicator on this task)"
        else:
            continue
        found.append({"number": number, "study_uid": study.study_uid, "site": study.site, "state": state})
    return found


def router(gov: Governance, desk: LabellingDesk) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def overview(who: Principal, task_id: int) -> dict[str, Any]:
        actor = actor_of(who)
        with page_errors():
            progress = desk.room.progress(actor, task_id)  # refuses (recorded) anyone who does not manage it
            task = desk.room.task(task_id)
            kappa = desk.room.agreement(actor, task_id) if task.schema.questions else None
            segments = desk.room.segment_agreement(actor, task_id, desk.dataset, desk.series_images)
        return {
            "task": task,
            "progress": progress,
            "kappa": kappa,
            "segments": segments,
            "disagreements": disagreements(desk, task),
            "in_force": gov.agreements.in_force(who.organisation_id, task.project),
        }

    @pages.get("/labelling/tasks/{task_id}/agreement")
    async def agreement(task_id: int, request: Request, who: Principal = who_dep) -> Response:
        values = await run_in_threadpool(overview, who, task_id)
        return page(
            request,
            "labelling_task.html",
            f"{values['task'].name}: agreement",
            who,
            "/labelling",
            imported=request.query_params.get("imported", ""),
            **values,
        )

    @pages.get("/labelling/tasks/{task_id}/progress.svg")
    def chart(task_id: int, who: Principal = who_dep) -> Response:
        with page_errors():
            progress = desk.room.progress(actor_of(who), task_id)
        return Response(progress_svg(progress), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    def export(who: Principal, task_id: int, reference: str) -> bytes:
        actor = actor_of(who)
        with page_errors():
            task = desk.room.require_manager(actor, task_id, "task.export")
        if reference not in {a.reference for a in gov.agreements.in_force(who.organisation_id, task.project)}:
            desk.room.record(
                actor,
                "task.export",
                task,
                "denied",
                agreement=reference[:64],
                reason="no such agreement in force for this project and organisation",
            )
            raise Forbidden(f"that agreement is not in force for project {task.project} and your organisation")
        staging = Path(tempfile.mkdtemp(prefix="labels-"))
        try:
            folder = staging / "export"
            with page_errors():
                desk.room.export(actor, task_id, folder, desk.label_bytes, agreement=reference)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(folder).as_posix())
            return buffer.getvalue()
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @pages.post("/labelling/tasks/{task_id}/export")
    async def export_labels(task_id: int, request: Request, who: Principal = who_dep) -> Response:
        form = await request.form()
        check_csrf(request, str(form.get("csrf", "")))
        data = await run_in_threadpool(export, who, task_id, str(form.get("agreement", "")))
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="labelling-task-{task_id}.zip"'},
        )

    def import_csv(who: Principal, task_id: int, raw: bytes) -> int:
        actor = actor_of(who)
        with page_errors():
            task = desk.room.require_manager(actor, task_id, "read.import")
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise LabellingError("the file is not UTF-8 text") from None
            return desk.room.import_reads(actor, task_id, parse_reads_csv(text, task.schema))

    @pages.post("/labelling/tasks/{task_id}/import")
    async def import_reads(task_id: int, request: Request, who: Principal = who_dep) -> Response:
        form = await request.form(max_part_size=MAX_CSV_BYTES)
        check_csrf(request, str(form.get("csrf", "")))
        upload = form.get("reads")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("choose a CSV file of reads to import")
        raw = await upload.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            raise InvalidInput(f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MiB")
        count = await run_in_threadpool(import_csv, who, task_id, raw)
        return RedirectResponse(f"/labelling/tasks/{task_id}/agreement?imported={count}", status_code=303)

    return pages
