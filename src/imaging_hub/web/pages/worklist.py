"""``/labelling``: a reader's worklist, their assigned studies per task (reads and adjudications), open ones
first, and the tasks they manage. Only their own assignments: nothing of other readers' reads shows here,
blinded task or not. The room records the view."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from imaging_hub.governance import Governance, Principal
from imaging_hub.labelling import Assignment, Task
from imaging_hub.web.labelling_desk import LabellingDesk, actor_of, page_errors
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import page, signed_in_dependency


def _rows(task: Task, assignments: list[Assignment]) -> list[dict[str, Any]]:
    position = {s.study_uid: (i + 1, s.site) for i, s in enumerate(task.studies)}
    rows = [
        {
            "assignment": a,
            "number": position.get(a.study_uid, (0, ""))[0],
            "site": position.get(a.study_uid, (0, ""))[1],
        }
        for a in assignments
    ]
    return sorted(rows, key=lambda r: (r["assignment"].done, r["number"]))


def router(gov: Governance, desk: LabellingDesk) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/labelling")
    def worklist(request: Request, who: Principal = who_dep) -> Response:
        actor = actor_of(who)
        with page_errors():
            mine = desk.room.worklist(actor, include_done=True)
        by_task: dict[int, list[Assignment]] = {}
        for a in mine:
            by_task.setdefault(a.task_id, []).append(a)
        work = [(desk.room.task(task_id), items) for task_id, items in sorted(by_task.items())]
        managed = [t for project in sorted(actor.manages or ()) for t in desk.room.tasks(project)]
        return page(
            request,
            "worklist.html",
            "Labelling worklist",
            who,
            "/labelling",
            work=[(task, _rows(task, items), sum(1 for a in items if not a.done)) for task, items in work],
            managed=managed,
        )

    return pages
