"""The network room over HTTP: reporting tasks from FHIR R4 (a ServiceRequest and its ImagingStudy, posted as a
Bundle) and a finished report as a FHIR DiagnosticReport. Same sign-in and tokens as the rest of the API.

Who may do what is the room's decision (a network administrator anywhere, a site data manager for their own
sites); every call is audited through the governance trail, refusals and invalid input included, with messages
that name what was wrong and never quote it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from imaging_hub.api.governance.auth import HttpAuth
from imaging_hub.governance import SITE_ROLES, Governance, Principal, TrailSink
from imaging_hub.network import NetworkInputError
from imaging_hub.network.operations import Actor, AuditSink, NetworkNotFound, NetworkRefused, NetworkRoom
from imaging_hub.network.reporting import diagnostic_report, task_from_fhir

FHIR_JSON = "application/fhir+json"
FHIR_MAX_BYTES = 256 * 1024  # a ServiceRequest and an ImagingStudy with its series
FHIR_MAX_DEPTH = 16  # R4 ImagingStudy nests about 6 deep; anything far deeper is hostile


def network_actor(principal: Principal) -> Actor:
    """The room's view of a signed-in caller: administrators run the network; site data managers their sites."""
    return Actor(
        principal.email.lower(),
        principal.via,
        principal.address,
        manager=principal.is_administrator,
        sites=principal.sites_with(SITE_ROLES),
        audit_name=principal.audit_name,
    )


def network_audit(gov: Governance) -> AuditSink:
    """The network rooms' entries, appended to the governance audit trail (they name no project)."""
    return TrailSink(gov.audit, purpose="network")


def _depth(value: Any, limit: int) -> int:
    stack, deepest = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _bundle_resources(body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ServiceRequest and ImagingStudy of a posted Bundle (type collection or transaction), nothing else."""
    try:
        bundle = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise NetworkInputError("the body is not JSON") from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise NetworkInputError("post a FHIR Bundle holding one ServiceRequest and one ImagingStudy")
    if _depth(bundle, FHIR_MAX_DEPTH) > FHIR_MAX_DEPTH:
        raise NetworkInputError(f"the Bundle nests deeper than {FHIR_MAX_DEPTH} levels")
    if bundle.get("type") not in ("collection", "transaction"):
        raise NetworkInputError("the Bundle's type must be collection or transaction")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or len(entries) != 2:
        raise NetworkInputError("the Bundle must have exactly two entries: a ServiceRequest and an ImagingStudy")
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind not in ("ServiceRequest", "ImagingStudy") or kind in found:
            raise NetworkInputError("the Bundle must have exactly two entries: a ServiceRequest and an ImagingStudy")
        assert isinstance(resource, dict)
        found[str(kind)] = resource
    return found["ServiceRequest"], found["ImagingStudy"]


def network_fhir_router(gov: Governance, auth: HttpAuth, room: NetworkRoom) -> APIRouter:
    router = APIRouter(prefix="/api/network/fhir", tags=["network"])

    def _failed(who: Principal, action: str, entity_id: str, why: str, status: int) -> HTTPException:
        gov.context.record(
            who, action, "reporting_task", entity_id, outcome="failed", purpose="network", detail={"reason": why}
        )
        return HTTPException(status, detail=why)

    @router.post("/reporting-tasks", status_code=201)
    async def create_from_fhir(request: Request) -> JSONResponse:
        """A Bundle with one active ServiceRequest and the ImagingStudy based on it becomes an open task."""
        # Authentication first (no body is read for a stranger), then validation and the database work, all
        # off the event loop.
        who = await run_in_threadpool(auth.require, request)
        body = await request.body()
        return await run_in_threadpool(_create, who, body)

    def _create(who: Principal, body: bytes) -> JSONResponse:
        try:
            request_resource, study = _bundle_resources(body)
            made = task_from_fhir(request_resource, study, room.pathways)
        except NetworkInputError as exc:
            raise _failed(who, "network.task.create", "fhir", str(exc), 422) from None
        try:
            view = room.create_task(network_actor(who), made.task, made)
        except NetworkRefused as exc:
            raise HTTPException(403, detail=str(exc)) from None  # audited by the room
        except NetworkInputError as exc:
            raise _failed(who, "network.task.create", made.task.task_id, str(exc), 409) from None
        answer = {
            "task_id": view.task.task_id,
            "status": view.state.status.value,
            "due_at": view.task.due_at.isoformat(),
            "pathway": view.task.pathway.name,
        }
        return JSONResponse(
            answer, status_code=201, headers={"Location": f"/api/network/fhir/DiagnosticReport/{view.task.task_id}"}
        )

    @router.get("/DiagnosticReport/{task_id}")
    def report_as_fhir(task_id: str, request: Request) -> JSONResponse:
        """The finished report: for a network administrator, a data manager of the task's site, or its reporter."""
        who = auth.require(request)
        actor = network_actor(who)
        try:
            view = room.task(task_id)
        except NetworkNotFound:
            raise _failed(who, "network.report.read", task_id, "no such reporting task", 404) from None
        reporter = room.reporter_for(actor)
        own = reporter is not None and reporter.reporter.reporter_id == view.state.reporter_id
        if not (actor.manager or view.task.site in actor.sites or own):
            gov.context.record(
                who,
                "network.report.read",
                "reporting_task",
                task_id,
                outcome="denied",
                purpose="network",
                detail={"reason": "not the task's site, reporter or a manager"},
            )
            raise HTTPException(403, detail="only a network administrator, the task's site or its reporter may read it")
        try:
            source, finished = room.finished_report(task_id)
        except NetworkNotFound:
            raise _failed(who, "network.report.read", task_id, "the task has no finished report yet", 404) from None
        gov.context.record(
            who, "network.report.read", "reporting_task", task_id, purpose="network", detail={"format": "fhir"}
        )
        return JSONResponse(diagnostic_report(source, finished), media_type=FHIR_JSON)

    return router
