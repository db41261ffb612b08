"""``/projects/{code}/studies``: the study browser. A page of a project's studies with search and filters
(the table is re-drawn by htmx as filters change, the same page works without scripts), keyset paging, a
study's series with a picture of each, and a link that opens the study in the viewer. Reading rules, audit
and suppression are the ``StudyCatalogue``'s."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from imaging_hub.dicom import RenderError, render_thumbnail
from imaging_hub.governance import Governance, Principal, StudyCatalogue, StudyFilters
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import page, signed_in_dependency
from imaging_hub.web.rendering import render
from imaging_hub.web.study_columns import StudyColumns
from imaging_hub.web.viewer_address import viewer_url

PAGE_SIZE = 50


def filters_of(request: Request) -> StudyFilters:
    q = request.query_params
    return StudyFilters(
        participant=q.get("participant", ""),
        site=q.get("site", ""),
        modality=q.get("modality", "").upper(),
        date_from=q.get("date_from", ""),
        date_to=q.get("date_to", ""),
        description=q.get("description", ""),
    )


def router(gov: Governance, catalogue: StudyCatalogue, columns: StudyColumns | None = None) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))
    rooms = columns or StudyColumns()

    def listing(request: Request, who: Principal, code: str) -> dict[str, Any]:
        filters = filters_of(request)
        after = request.query_params.get("after") or None
        found = catalogue.page(who, code, filters, after=after, size=PAGE_SIZE)
        status = rooms.of(code, [s.study_instance_uid for s in found.rows])
        return {"code": code, "f": filters, "found": found, "after": after, "viewer_url": viewer_url,
                "status": status}

    @pages.get("/projects/{code}/studies")
    def studies(code: str, request: Request, who: Principal = who_dep) -> Response:
        values = listing(request, who, code)  # first: it decides (and audits) whether they may read it
        project = gov.projects.view(who, code)
        return page(request, "studies.html", f"{code} studies", who, "/projects", project=project, **values)

    @pages.get("/projects/{code}/studies/table")
    def studies_table(code: str, request: Request, who: Principal = who_dep) -> Response:
        return render("studies_table.html", f"{code} studies", **listing(request, who, code))

    @pages.get("/projects/{code}/studies/{study}")
    def study(code: str, study: str, request: Request, who: Principal = who_dep) -> Response:
        detail = catalogue.study(who, code, study)
        return page(
            request, "study.html", f"Study {detail.study.date or ''}".strip(), who, "/projects",
            code=code, detail=detail, viewer=viewer_url(study),
        )

    @pages.get("/projects/{code}/studies/{study}/series/{series}/thumbnail")
    async def thumbnail(code: str, study: str, series: str, who: Principal = who_dep) -> Response:
        chosen = await run_in_threadpool(catalogue.picture_of, who, code, study, series)
        try:
            picture = await run_in_threadpool(render_thumbnail, chosen.path)
        except RenderError as exc:
            return Response(str(exc), status_code=422, media_type="text/plain")
        return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})

    return pages
