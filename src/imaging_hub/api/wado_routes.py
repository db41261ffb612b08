"""WADO-RS routes (PS3.18 10.4): instances, metadata, bulk data and frames, streamed from stored files."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from pydicom import dcmread
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian

from imaging_hub.api.access import AccessScope, current_scope
from imaging_hub.api.context import HubContext, dicomweb_base, hub_context
from imaging_hub.api.lookup import scoped_instances
from imaging_hub.api.negotiation import negotiate_frames, negotiate_instances
from imaging_hub.api.streaming import audited, first_then_rest
from imaging_hub.dicomweb import (
    DICOM,
    DICOM_JSON,
    OCTET_STREAM,
    ElementPath,
    FrameError,
    InstanceHeader,
    OutgoingPart,
    bulk_path,
    check_frame_numbers,
    content_type_header,
    dataset_to_json,
    encode,
    iter_frame_bytes,
    native_frame_region,
    new_boundary,
    parse_bulk_path,
    read_header,
    tag_key,
)

if TYPE_CHECKING:
    from imaging_hub.store import StoredInstance

router = APIRouter()
# The most frame numbers one frames request may list (repeats included): a long list of repeats would
# otherwise send the same frame again and again (a 14 KiB URL once asked for 219 MiB).
MAX_FRAME_LIST = 10_000


def instance_url(base: str, instance: StoredInstance) -> str:
    return (f"{base}/studies/{instance.study_instance_uid}/series/{instance.series_instance_uid}"
            f"/instances/{instance.sop_instance_uid}")


# --- retrieve instances ---------------------------------------------------------------------------------

def _retrieve(request: Request, context: HubContext, scope: AccessScope, study: str,
              series: str | None = None, instance: str | None = None) -> Response:
    found = scoped_instances(context, scope, "retrieve", study, series, instance)
    syntax = negotiate_instances(request.headers.get("accept"), {i.transfer_syntax_uid for i in found})
    uids = [i.sop_instance_uid for i in found]
    for stored in found:  # a missing or cut file answers 500 now, not a short 200 later
        if not _intact(stored):
            context.audit("retrieve", scope, uids, "failure")
            raise HTTPException(500, detail=f"instance {stored.sop_instance_uid} is indexed but its file is "
                                            "missing or damaged")
    boundary = new_boundary()
    parts = (OutgoingPart(DICOM, path=i.path, length=i.size, headers={"Content-Length": str(i.size)})
             for i in found)
    return StreamingResponse(audited(encode(parts, boundary), _finish(context, scope, "retrieve", uids)),
                             media_type=content_type_header(DICOM, boundary, syntax))


def _intact(stored: StoredInstance) -> bool:
    try:
        return stored.path.stat().st_size == stored.size
    except OSError:
        return False


def _finish(context: HubContext, scope: AccessScope, action: str, uids: list[str]) -> Callable[[str], None]:
    """The audit of a streamed response, recorded with the outcome its stream ended with."""
    return lambda outcome: context.audit(action, scope, uids, outcome)


@router.get("/studies/{study}")
def retrieve_study(study: str, request: Request, context: HubContext = Depends(hub_context),
                   scope: AccessScope = Depends(current_scope)) -> Response:
    return _retrieve(request, context, scope, study)


@router.get("/studies/{study}/series/{series}")
def retrieve_series(study: str, series: str, request: Request, context: HubContext = Depends(hub_context),
                    scope: AccessScope = Depends(current_scope)) -> Response:
    return _retrieve(request, context, scope, study, series)


@router.get("/studies/{study}/series/{series}/instances/{instance}")
def retrieve_instance(study: str, series: str, instance: str, request: Request,
                      context: HubContext = Depends(hub_context),
                      scope: AccessScope = Depends(current_scope)) -> Response:
    return _retrieve(request, context, scope, study, series, instance)


# --- metadata ---------------------------------------------------------------------------------------------

def instance_metadata(base: str, instance: StoredInstance) -> dict[str, Any]:
    """One instance's JSON with bulk values (pixel data included) as BulkDataURIs."""
    header = read_header(instance.path)
    url = instance_url(base, instance)
    encoded = dataset_to_json(header.dataset, lambda path: f"{url}/bulkdata/{bulk_path(path)}")
    pixels = header.pixels
    if pixels is not None:
        encoded[tag_key(pixels.tag)] = {"vr": pixels.vr, "BulkDataURI": f"{url}/bulkdata/{tag_key(pixels.tag)}"}
    elif header.transfer_syntax == DeflatedExplicitVRLittleEndian and "Rows" in header.dataset:
        encoded["7FE00010"] = {"vr": "OW", "BulkDataURI": f"{url}/bulkdata/7FE00010"}
    return encoded


def _metadata(request: Request, context: HubContext, scope: AccessScope, study: str,
              series: str | None = None, instance: str | None = None) -> Response:
    accept = request.headers.get("accept")
    if accept and not any(m in accept for m in (DICOM_JSON, "application/json", "*/*", "application/*")):
        raise HTTPException(406, detail="metadata is available as application/dicom+json only")
    found = scoped_instances(context, scope, "metadata", study, series, instance)
    base = dicomweb_base(request)
    uids = [i.sop_instance_uid for i in found]
    finish = _finish(context, scope, "metadata", uids)
    first, rest = first_then_rest(found, lambda item: json.dumps(instance_metadata(base, item)).encode(),
                                  lambda item: f"instance {item.sop_instance_uid}", lambda: finish("failure"))

    def body() -> Iterator[bytes]:
        yield b"[" + first
        for item in rest:
            yield b"," + item
        yield b"]"

    return StreamingResponse(audited(body(), finish), media_type=DICOM_JSON)


@router.get("/studies/{study}/metadata")
def study_metadata(study: str, request: Request, context: HubContext = Depends(hub_context),
                   scope: AccessScope = Depends(current_scope)) -> Response:
    return _metadata(request, context, scope, study)


@router.get("/studies/{study}/series/{series}/metadata")
def series_metadata(study: str, series: str, request: Request, context: HubContext = Depends(hub_context),
                    scope: AccessScope = Depends(current_scope)) -> Response:
    return _metadata(request, context, scope, study, series)


@router.get("/studies/{study}/series/{series}/instances/{instance}/metadata")
def instance_metadata_route(study: str, series: str, instance: str, request: Request,
                            context: HubContext = Depends(hub_context),
                            scope: AccessScope = Depends(current_scope)) -> Response:
    return _metadata(request, context, scope, study, series, instance)


# --- bulk data ---------------------------------------------------------------------------------------------

@router.get("/studies/{study}/series/{series}/instances/{instance}/bulkdata/{path:path}")
def bulkdata(study: str, series: str, instance: str, path: str, request: Request,
             context: HubContext = Depends(hub_context),
             scope: AccessScope = Depends(current_scope)) -> Response:
    try:
        element_path = parse_bulk_path(path)
    except ValueError as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    stored = scoped_instances(context, scope, "bulkdata", study, series, instance)[0]
    header = read_header(stored.path)
    boundary = new_boundary()
    pixels = header.pixels
    if len(element_path) == 1 and pixels is not None and element_path[0] == pixels.tag:
        if header.encapsulated:
            numbers = list(range(1, header.number_of_frames + 1))
            parts: Iterator[OutgoingPart] = (
                OutgoingPart(header.frame_media_type, data=data)
                for data in iter_frame_bytes(header, numbers, decode=False))
            inner = header.frame_media_type
        else:
            assert pixels.length is not None
            parts = iter([OutgoingPart(OCTET_STREAM, path=header.path, offset=pixels.value_offset,
                                       length=pixels.length)])
            inner = OCTET_STREAM
    else:
        parts = iter([OutgoingPart(OCTET_STREAM, data=_element_bytes(header, element_path))])
        inner = OCTET_STREAM
    finish = _finish(context, scope, "bulkdata", [stored.sop_instance_uid])
    return StreamingResponse(audited(encode(parts, boundary), finish), media_type=content_type_header(inner, boundary))


def _element_bytes(header: InstanceHeader, path: ElementPath) -> bytes:
    ds = dcmread(header.path, defer_size=1024) if path[0] >= 0x7FE00000 else header.dataset
    try:
        for step in range(0, len(path) - 1, 2):
            ds = ds[path[step]].value[path[step + 1]]
        value = ds[path[-1]].value
    except (KeyError, IndexError, TypeError) as exc:
        raise HTTPException(404, detail=f"no bulk data at {bulk_path(path)}") from exc
    if not isinstance(value, bytes | bytearray):
        raise HTTPException(404, detail=f"element {bulk_path(path)} is not bulk data")
    return bytes(value)


# --- frames ------------------------------------------------------------------------------------------------

def parse_frame_list(text: str) -> list[int]:
    """'1,3,5' -> [1, 3, 5], each frame once in the order first asked for ('1,1,2' -> [1, 2]); 400 naming
    the bad entry, or the limit when the list holds more than MAX_FRAME_LIST numbers."""
    items = text.split(",", MAX_FRAME_LIST)
    if len(items) > MAX_FRAME_LIST:
        raise HTTPException(400, detail=f"the frame list holds more than {MAX_FRAME_LIST} frame numbers "
                                        "(MAX_FRAME_LIST); ask for fewer at a time")
    numbers: dict[int, None] = {}
    for item in items:
        item = item.strip()
        if not item.isdigit() or len(item) > 10 or int(item) < 1:
            raise HTTPException(400, detail=f"frame number {item[:20]!r} is not a positive integer")
        numbers[int(item)] = None
    return list(numbers)


def frame_header(context: HubContext, scope: AccessScope, action: str, study: str, series: str,
                 instance: str, numbers: list[int]) -> tuple[StoredInstance, InstanceHeader]:
    stored = scoped_instances(context, scope, action, study, series, instance)[0]
    header = read_header(stored.path)
    try:
        check_frame_numbers(header, numbers)
    except FrameError as exc:
        context.audit(action, scope, [stored.sop_instance_uid], "not-found")
        raise HTTPException(404, detail=str(exc)) from exc
    return stored, header


@router.get("/studies/{study}/series/{series}/instances/{instance}/frames/{frames}")
def retrieve_frames(study: str, series: str, instance: str, frames: str, request: Request,
                    context: HubContext = Depends(hub_context),
                    scope: AccessScope = Depends(current_scope)) -> Response:
    numbers = parse_frame_list(frames)
    stored, header = frame_header(context, scope, "frames", study, series, instance, numbers)
    native = (header.pixels is not None and not header.encapsulated
              and header.transfer_syntax not in (ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian))
    choice = negotiate_frames(request.headers.get("accept"), header.transfer_syntax,
                              header.frame_media_type, native)
    boundary = new_boundary()
    finish = _finish(context, scope, "frames", [stored.sop_instance_uid])
    parts: Iterator[OutgoingPart]
    if native and not choice.decode:
        try:  # every frame's region is checked before the status goes out
            regions = [native_frame_region(header, n) for n in numbers]
            if max(offset + length for offset, length in regions) > header.path.stat().st_size:
                raise FrameError("its file ends before the frames asked for")
        except FrameError as exc:
            finish("failure")
            raise HTTPException(500, detail=f"instance {stored.sop_instance_uid} is stored but {exc}") from exc
        parts = (OutgoingPart(OCTET_STREAM, path=header.path, offset=offset, length=length)
                 for offset, length in regions)
    else:
        first, rest = first_then_rest(
            numbers, lambda n: next(iter_frame_bytes(header, [n], decode=choice.decode)),
            lambda n: f"frame {n} of instance {stored.sop_instance_uid}", lambda: finish("failure"))
        parts = (OutgoingPart(choice.media_type, data=data) for data in itertools.chain([first], rest))
    return StreamingResponse(audited(encode(parts, boundary), finish),
                             media_type=content_type_header(choice.media_type, boundary, choice.transfer_syntax))
