"""``/projects/{code}/quality``: a project's acquisition quality across sites and over time, and its protocol.

Conformance per site and scanner, the series with problems and the required series studies lack, box plots
per site of key attributes and QC metrics, drift per scanner (alerts after Holm's correction), research dose
against the project's constraint and the national DRLs, and the protocol's versions. A person who reads the
project's data sees the page; its project lead saves a new protocol version. Every view and every save is
audited, refusals included.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from imaging_hub.governance import Forbidden, Governance, Principal, Role
from imaging_hub.quality import (
    DRL_SOURCE,
    ProtocolError,
    QualityRoom,
    box_plots,
    conformance_chart,
    dose_chart,
    drift_chart,
    drl_chart,
    quality_overview,
)
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, page, signed_in_dependency

K = TypeVar("K")
V = TypeVar("V")

BOX_METRICS = ("snr", "cnr", "noise_sd", "laplacian_variance", "slice_thickness_mm", "kvp")
PROTOCOL_MAX_CHARS = 200_000
CHARTS_KEPT = 8  # projects whose drawn charts are kept between views


class _Recent(Generic[K, V]):
    """The most recently used few values by key, safe across the request threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            return None

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)


def router(gov: Governance, room: QualityRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))
    drawn: _Recent[tuple[object, ...], dict[str, Any]] = _Recent(CHARTS_KEPT)

    def allow(who: Principal, code: str, action: str, lead_only: bool) -> None:
        is_lead = who.holds(Role.PROJECT_LEAD, code)
        if not (is_lead if lead_only else is_lead or gov.authority.may_read(who, code)):
            gov.context.record(who, action, "project", code, project=code, outcome="denied", purpose="quality")
            raise Forbidden("only the project's lead may change its protocol" if lead_only
                            else "not allowed to see this project's quality")

    def render_page(request: Request, who: Principal, code: str, *, error: str = "", draft: str | None = None,
                    status_code: int = 200) -> Response:
        stored = room.protocol(code)
        protocol = stored.protocol if stored is not None else None
        records = room.records(code)
        older = room.outdated(code).get(code, (0, 0))[1]  # results against an earlier version, until re-checked
        overview = quality_overview(records, protocol)
        # Drawing is most of a view's time on a large project; the charts depend only on the results and the
        # protocol version, so a view with neither changed reuses them.
        key = (code, stored.version if stored is not None else None,
               tuple((r.series_instance_uid, r.content_hash, r.protocol) for r in records))
        charts = drawn.get(key)
        if charts is None:
            charts = {
                "conformance": conformance_chart(overview) if overview.records else None,
                "boxes": [(m, svg) for m in BOX_METRICS if (svg := box_plots(overview.records, m)) is not None],
                "drift": drift_chart(overview.records, "snr", first=[t.scanner for t in overview.drift_alerts]),
                "dose": dose_chart(overview.doses),
                "drl": drl_chart(overview.drl, DRL_SOURCE),
            }
            drawn.put(key, charts)
        response = page(
            request, "quality.html", f"{code} quality", who, "/projects", code=code, overview=overview, older=older,
            stored=stored, history=room.protocol_history(code), may_edit=who.holds(Role.PROJECT_LEAD, code),
            charts=charts, data_uri=_data_uri, drl_source=DRL_SOURCE, error=error,
            draft=draft if draft is not None else (stored.text if stored is not None else ""),
        )
        response.status_code = status_code
        return response

    @pages.get("/projects/{code}/quality")
    async def quality(code: str, request: Request, who: Principal = who_dep) -> Response:
        allow(who, code, "quality.view", lead_only=False)
        response = await run_in_threadpool(render_page, request, who, code)
        gov.context.record(who, "quality.view", "project", code, project=code, purpose="quality")
        return response

    @pages.post("/projects/{code}/quality/protocol")
    def save_protocol(code: str, request: Request, csrf: str = Form(""),
                      text: str = Form(max_length=PROTOCOL_MAX_CHARS), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        allow(who, code, "quality.protocol.save", lead_only=True)
        try:
            saved = room.save_protocol(code, text, who.audit_name)
        except ProtocolError as exc:
            gov.context.record(who, "quality.protocol.save", "project", code, project=code, outcome="failed",
                               purpose="quality", detail={"reason": "invalid protocol"})
            return render_page(request, who, code, error=str(exc), draft=text, status_code=422)
        gov.context.record(who, "quality.protocol.save", "project", code, project=code, purpose="quality",
                           detail={"version": saved.version})
        return RedirectResponse(f"/projects/{code}/quality#protocol", status_code=303)

    return pages


def _data_uri(svg: str) -> str:
    """Charts go in as images: the page's CSP allows data: images, and an SVG image runs no script."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
