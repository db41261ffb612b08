"""WADO-RS rendered resources (PS3.18 10.4.1.1.3): an instance or a frame as PNG or JPEG."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from imaging_hub.api.access import AccessScope, current_scope
from imaging_hub.api.context import HubContext, hub_context
from imaging_hub.api.negotiation import accept_ranges
from imaging_hub.api.wado_routes import frame_header, parse_frame_list
from imaging_hub.dicom import RENDER_MEDIA_TYPES, RenderError, Window, render_frame

router = APIRouter()
DEFAULT_RENDER_TYPE = "image/jpeg"


def rendered_media_type(request: Request) -> str:
    """From the ``accept`` query parameter (which wins) or the Accept header; 406 if neither fits."""
    override = request.query_params.get("accept")
    ranges = accept_ranges(override if override else request.headers.get("accept"))
    for r in ranges:
        if r.media_type in RENDER_MEDIA_TYPES:
            return r.media_type
        if r.media_type in ("*/*", "image/*"):
            return DEFAULT_RENDER_TYPE
    raise HTTPException(406, detail="rendered images are available as image/jpeg or image/png")


def parse_window(value: str | None) -> Window | None:
    """``window=center,width[,function]``; only the LINEAR function is offered."""
    if value is None:
        return None
    pieces = [p.strip() for p in value.split(",")]
    if len(pieces) not in (2, 3):
        raise HTTPException(400, detail="window must be center,width[,function]")
    if len(pieces) == 3 and pieces[2].upper() not in ("LINEAR", ""):
        raise HTTPException(400, detail=f"window function {pieces[2][:20]!r} is not supported (use linear)")
    try:
        return Window(float(pieces[0]), float(pieces[1]))
    except ValueError as exc:
        raise HTTPException(400, detail=f"window {value[:40]!r} needs numeric center and width") from exc
    except RenderError as exc:
        raise HTTPException(400, detail=str(exc)) from exc


def parse_quality(value: str | None) -> int:
    if value is None:
        return 90
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise HTTPException(400, detail=f"quality must be an integer 1..100, got {value[:20]!r}")
    return int(value)


async def _render(request: Request, context: HubContext, scope: AccessScope, study: str, series: str,
                  instance: str, frames: str | None) -> Response:
    numbers = parse_frame_list(frames) if frames is not None else [1]
    if len(numbers) != 1:
        raise HTTPException(400, detail="rendering is offered for one frame at a time")
    media_type = rendered_media_type(request)
    window = parse_window(request.query_params.get("window"))
    quality = parse_quality(request.query_params.get("quality"))
    stored, header = await run_in_threadpool(
        frame_header, context, scope, "rendered", study, series, instance, numbers)
    try:
        image = await run_in_threadpool(
            render_frame, stored.path, numbers[0], media_type=media_type, window=window, quality=quality,
            header=header.dataset)
    except RenderError as exc:
        context.audit("rendered", scope, [stored.sop_instance_uid], "failure")
        raise HTTPException(400 if "frame" in str(exc) or "window" in str(exc) else 422,
                            detail=str(exc)) from exc
    context.audit("rendered", scope, [stored.sop_instance_uid], "success")
    return Response(content=image, media_type=media_type)


@router.get("/studies/{study}/series/{series}/instances/{instance}/rendered")
async def rendered_instance(study: str, series: str, instance: str, request: Request,
                            context: HubContext = Depends(hub_context),
                            scope: AccessScope = Depends(current_scope)) -> Response:
    return await _render(request, context, scope, study, series, instance, None)


@router.get("/studies/{study}/series/{series}/instances/{instance}/frames/{frames}/rendered")
async def rendered_frames(study: str, series: str, instance: str, frames: str, request: Request,
                          context: HubContext = Depends(hub_context),
                          scope: AccessScope = Depends(current_scope)) -> Response:
    return await _render(request, context, scope, study, series, instance, frames)
