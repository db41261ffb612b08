"""STOW-RS routes (PS3.18 10.5): the body is parsed on the event loop as it arrives, each part written
straight into a spool in the archive's tmp folder (hashed on the way), then the parts are stored together.

Nothing is stored until the whole body has arrived intact, so a truncated, oversized or malformed
body leaves the archive untouched (its spools are deleted).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from imaging_hub.api.access import AccessScope, current_scope
from imaging_hub.api.context import HubContext, dicomweb_base, hub_context
from imaging_hub.api.stow_storage import StowSpools, store_parts
from imaging_hub.dicomweb import (
    DICOM,
    DICOM_JSON,
    MULTIPART_RELATED,
    FailureReason,
    MultipartError,
    MultipartReader,
    PartOutcome,
    QidoParameterError,
    ReceivedPart,
    build_response,
    normalise_value,
    parse_media_type,
    response_status,
)
from imaging_hub.events import Origin, acting

router = APIRouter()
MAX_BOUNDARY = 70  # RFC 2046 section 5.1.1
# A caller who may store only labels (an annotator's SEG or SR from the viewer) is read in before its parts are
# checked, so its body is capped far below an image upload's: a large multi-segment SEG of a CT volume is tens of
# MiB; 256 MiB leaves room and keeps a label-only caller from making the hub spool gigabytes to refuse.
LABEL_UPLOAD_MAX_BYTES = 256 * 1024 * 1024
log = logging.getLogger(__name__)


def _boundary(content_type: str | None) -> str:
    if not content_type:
        raise HTTPException(415, detail="Content-Type is missing; send multipart/related; type=\"application/dicom\"")
    try:
        media = parse_media_type(content_type)
    except ValueError as exc:
        raise HTTPException(400, detail=f"malformed Content-Type: {exc}") from exc
    if media.media_type != MULTIPART_RELATED:
        raise HTTPException(415, detail=f"STOW-RS accepts multipart/related, not {media.media_type}")
    inner = (media.inner_type or DICOM).lower()
    if inner != DICOM:
        raise HTTPException(415, detail=f"STOW-RS here accepts parts of type {DICOM}, not {inner}")
    boundary = media.params.get("boundary")
    if not boundary:
        raise HTTPException(400, detail="multipart/related Content-Type has no boundary parameter")
    if len(boundary) > MAX_BOUNDARY:
        raise HTTPException(400, detail=f"multipart boundary is {len(boundary)} characters; RFC 2046 allows 1-70")
    return boundary


async def _receive(request: Request, spools: StowSpools, limit: int) -> list[ReceivedPart]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, detail=f"request body of {declared} bytes exceeds the limit of {limit}")
    reader = MultipartReader(_boundary(request.headers.get("content-type")), open_part=spools.open_part)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise HTTPException(413, detail=f"request body exceeds the limit of {limit} bytes")
            # On the loop: a bytes.find, a hash update and a page-cache write per chunk cost less than
            # the hop to a worker thread and back.
            reader.feed(chunk)
        parts = reader.finish()
    except MultipartError as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    finally:
        reader.close()
    if not parts:
        raise HTTPException(400, detail="the multipart body holds no parts")
    return parts


async def _stow(request: Request, context: HubContext, scope: AccessScope, study: str | None) -> Response:
    if study is not None:
        try:
            study = normalise_value("StudyInstanceUID", study)
        except QidoParameterError as exc:
            raise HTTPException(400, detail=str(exc)) from exc
    spools = StowSpools(context.archive)
    try:
        try:
            limit = context.max_upload_bytes
            if scope.projects is not None and not scope.projects and scope.label_projects:
                limit = min(limit, LABEL_UPLOAD_MAX_BYTES)
            parts = await _receive(request, spools, limit)
        except HTTPException:
            context.audit("store", scope, [], "invalid")
            raise
        with acting(Origin("dicomweb", scope.principal, client_host(request))):  # carried into the change feed
            outcomes = await run_in_threadpool(
                store_parts, context.archive, parts, spools, expected_study=study, projects=scope.projects,
                labelling=scope.label_projects)
    finally:
        spools.discard_all()
    base = dicomweb_base(request)
    studies = {o.study_instance_uid for o in outcomes if o.stored}
    study_url = f"{base}/studies/{study or next(iter(studies))}" if study or len(studies) == 1 else None
    body = build_response(outcomes, lambda o: _instance_url(base, o), study_url)
    status = response_status(outcomes)
    stored = [o.sop_instance_uid for o in outcomes if o.stored]
    _audit_store(context, scope, outcomes)
    failures = [o for o in outcomes if not o.stored]
    for outcome in failures:
        log.info("STOW part refused (0x%04X): %s", int(outcome.failure or 0), outcome.reason)
    headers = {"Warning": ", ".join(f'299 imaging-hub "{_quote(o.reason)}"' for o in failures[:20])} \
        if failures else None
    log.debug("STOW stored %d of %d parts", len(stored), len(outcomes))
    return JSONResponse(body, status_code=status, media_type=DICOM_JSON, headers=headers)


def _audit_store(context: HubContext, scope: AccessScope, outcomes: list[PartOutcome]) -> None:
    """Parts refused for lack of permission are one ``denied`` entry; the others one entry with their result."""
    denied = [o for o in outcomes if o.failure == FailureReason.NOT_AUTHORIZED]
    rest = [o for o in outcomes if o.failure != FailureReason.NOT_AUTHORIZED]
    if denied:
        context.audit("store", scope, [o.sop_instance_uid for o in denied if o.sop_instance_uid], "denied")
    if rest:
        stored = sum(o.stored for o in rest)  # by count: a part stored with a warning (coerced) is a success
        context.audit("store", scope, [o.sop_instance_uid for o in rest if o.sop_instance_uid],
                      "success" if stored == len(rest) else "partial" if stored else "failure",
                      new=[o.sop_instance_uid for o in rest if o.stored and not o.duplicate and o.sop_instance_uid])


def _quote(text: str) -> str:
    return text.replace("\\", "/").replace('"', "'").encode("latin-1", "replace").decode("latin-1")


def _instance_url(base: str, outcome: PartOutcome) -> str:
    return (f"{base}/studies/{outcome.study_instance_uid}/series/{outcome.series_instance_uid}"
            f"/instances/{outcome.sop_instance_uid}")


@router.post("/studies")
async def store_instances(request: Request, context: HubContext = Depends(hub_context),
                          scope: AccessScope = Depends(current_scope)) -> Response:
    return await _stow(request, context, scope, None)


@router.post("/studies/{study}")
async def store_study_instances(study: str, request: Request, context: HubContext = Depends(hub_context),
                                scope: AccessScope = Depends(current_scope)) -> Response:
    return await _stow(request, context, scope, study)


def client_host(request: Request) -> str:
    return request.client.host if request.client else ""
