"""QIDO-RS routes (PS3.18 10.6): search for studies, series and instances."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from imaging_hub.api.access import AccessScope, current_scope
from imaging_hub.api.context import HubContext, hub_context
from imaging_hub.dicomweb import (
    DICOM_JSON,
    Level,
    QidoParameterError,
    QidoSearch,
    dataset_to_json,
    parse_accept,
    parse_search,
)
from imaging_hub.governance import withhold_related_counts

router = APIRouter()

_LEVEL_UID = {"STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID", "INSTANCE": "SOPInstanceUID"}


def _search(
    request: Request, context: HubContext, scope: AccessScope, level: Level, path_uids: dict[str, str]
) -> Response:
    _check_accept(request.headers.get("accept"))
    from imaging_hub.store import Query, QueryError

    try:
        search: QidoSearch | None = parse_search(level, request.query_params.multi_items(), path_uids)
    except QidoParameterError as exc:
        context.audit("search", scope, [], "invalid")
        raise HTTPException(400, detail=str(exc)) from exc
    assert search is not None
    search = search.restricted_to(scope.projects)
    if search is None:
        context.audit("search", scope, [], "success")
        return Response(content=b"[]", media_type=DICOM_JSON)
    try:
        results = context.archive.search(Query(level=search.level, filters=dict(search.filters),
                                               include=search.include, limit=search.limit,
                                               offset=search.offset, fuzzy=search.fuzzy))
    except QueryError as exc:
        context.audit("search", scope, [], "invalid")
        raise HTTPException(400, detail=str(exc)) from exc
    uid_key = _LEVEL_UID.get(level)
    context.audit("search", scope, [str(ds.get(uid_key, "")) for ds in results] if uid_key else [], "success")
    if scope.counts_suppressed:  # a study's or series' size is a count too: withheld from rows, whatever its value
        results = [withhold_related_counts(ds) for ds in results]
    return StreamingResponse(_json_array(dataset_to_json(ds) for ds in results), media_type=DICOM_JSON)


def _json_array(items: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    yield b"["
    for index, item in enumerate(items):
        yield (b"," if index else b"") + json.dumps(item, separators=(",", ":")).encode()
    yield b"]"


def _check_accept(header: str | None) -> None:
    try:
        ranges = parse_accept(header)
    except ValueError as exc:
        raise HTTPException(400, detail=f"malformed Accept header: {exc}") from exc
    if not any(r.matches(DICOM_JSON) or r.matches("application/json") for r in ranges):
        raise HTTPException(406, detail="QIDO-RS answers application/dicom+json only")


@router.get("/studies")
def search_studies(request: Request, context: HubContext = Depends(hub_context),
                   scope: AccessScope = Depends(current_scope)) -> Response:
    return _search(request, context, scope, "STUDY", {})


@router.get("/series")
def search_series(request: Request, context: HubContext = Depends(hub_context),
                  scope: AccessScope = Depends(current_scope)) -> Response:
    return _search(request, context, scope, "SERIES", {})


@router.get("/instances")
def search_instances(request: Request, context: HubContext = Depends(hub_context),
                     scope: AccessScope = Depends(current_scope)) -> Response:
    return _search(request, context, scope, "INSTANCE", {})


@router.get("/studies/{study}/series")
def search_study_series(study: str, request: Request, context: HubContext = Depends(hub_context),
                        scope: AccessScope = Depends(current_scope)) -> Response:
    return _search(request, context, scope, "SERIES", {"StudyInstanceUID": study})


@router.get("/studies/{study}/instances")
def search_study_instances(study: str, request: Request, context: HubContext = Depends(hub_context),
                           scope: AccessScope = Depends(current_scope)) -> Response:
    return _search(request, context, scope, "INSTANCE", {"StudyInstanceUID": study})


@router.get("/studies/{study}/series/{series}/instances")
def search_series_instances(study: str, series: str, request: Request,
                            context: HubContext = Depends(hub_context),
                            scope: AccessScope = Depends(current_scope)) -> Response:
    return _search(request, context, scope, "INSTANCE",
                   {"StudyInstanceUID": study, "SeriesInstanceUID": series})
