"""``/network/worklist``: a reporter's worklist. Their own tasks (assigned or claimed) and the open tasks they
may claim (credentialed site, subspecialty), most urgent first, with claim, release and report. Blinded reads
show no accession. Network oversight sees every task; an administrator routes the open ones and reassigns any not
yet reported.

Every step goes through the network room, which decides and audits it (refusals included).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import network_actor
from imaging_hub.governance import Governance, Principal
from imaging_hub.network.operations import NetworkRoom, TaskView
from imaging_hub.network.reporting import Reporter, TaskStatus, urgency_order
from imaging_hub.web.network.access import answering, oversees, refused, viewed
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import check_csrf, page

TASK_ID = r"^[A-Za-z0-9.\-_]{1,64}$"


def _claimable(view: TaskView, reporter: Reporter) -> bool:
    task = view.task
    return (
        view.state.status is TaskStatus.OPEN
        and task.site in reporter.credentialed_sites
        and (task.subspecialty is None or task.subspecialty in reporter.subspecialties)
    )


def router(gov: Governance, room: NetworkRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/network/worklist")
    def worklist(request: Request, who: Principal = who_dep) -> Response:
        actor = network_actor(who)
        mine = room.reporter_for(actor)
        if mine is None and not oversees(who):
            raise refused(gov, who, "worklist.view", "worklist", "the worklist is for reporters and network oversight")
        now = room.now()
        views = {v.task.task_id: v for v in room.tasks()}
        order = [t.task_id for t in urgency_order([v.task for v in views.values()], now)]
        ordered = [views[i] for i in order]
        if mine is not None:
            reporter = mine.reporter
            held = [
                v
                for v in ordered
                if v.state.reporter_id == reporter.reporter_id
                and v.state.status in (TaskStatus.ASSIGNED, TaskStatus.CLAIMED)
            ]
            available = [v for v in ordered if _claimable(v, reporter)]
            others: list[TaskView] = []
        else:
            held, available = [], []
            others = [v for v in ordered if v.state.status is not TaskStatus.REPORTED]
        viewed(gov, who, "worklist.view", "worklist", held=len(held), available=len(available), all=len(others))
        return page(
            request,
            "network_worklist.html",
            "Reporting worklist",
            who,
            "/network/worklist",
            reporter=mine,
            held=held,
            available=available,
            others=others,
            now=now,
            may_route=who.is_administrator,
            reporter_ids=[r.reporter.reporter_id for r in room.reporters()] if who.is_administrator else [],
        )

    def step(request: Request, csrf: str, who: Principal) -> None:
        check_csrf(request, csrf)

    @pages.post("/network/worklist/{task_id}/claim")
    def claim(request: Request, task_id: str, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        step(request, csrf, who)
        with answering():
            room.claim(network_actor(who), task_id)
        return RedirectResponse("/network/worklist", status_code=303)

    @pages.post("/network/worklist/{task_id}/release")
    def release(
        request: Request,
        task_id: str,
        csrf: str = Form(""),
        reason: str = Form("", max_length=500),
        who: Principal = who_dep,
    ) -> Response:
        step(request, csrf, who)
        with answering():
            room.release(network_actor(who), task_id, reason)
        return RedirectResponse("/network/worklist", status_code=303)

    @pages.post("/network/worklist/{task_id}/report")
    def report(
        request: Request,
        task_id: str,
        csrf: str = Form(""),
        text: str = Form("", max_length=20000),
        conclusion: str = Form("", max_length=2000),
        who: Principal = who_dep,
    ) -> Response:
        step(request, csrf, who)
        with answering():
            room.report(network_actor(who), task_id, text, conclusion)
        return RedirectResponse("/network/worklist", status_code=303)

    @pages.post("/network/worklist/{task_id}/reassign")
    def reassign(
        request: Request,
        task_id: str,
        csrf: str = Form(""),
        to_reporter: str = Form(..., pattern=TASK_ID),
        reason: str = Form(..., min_length=1, max_length=500),
        who: Principal = who_dep,
    ) -> Response:
        step(request, csrf, who)
        with answering():  # the room decides (network administrators only) and audits, refusals included
            room.reassign(network_actor(who), task_id, to_reporter, reason)
        return RedirectResponse("/network/worklist", status_code=303)

    @pages.post("/network/worklist/route")
    def route_open(request: Request, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        step(request, csrf, who)
        with answering():
            routed = room.route_open(network_actor(who))
        assigned = sum(1 for _, reporter, _ in routed if reporter)
        return page(
            request, "network_routed.html", "Routing", who, "/network/worklist", routed=routed, assigned=assigned
        )

    return pages
