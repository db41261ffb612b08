"""``/docs``: Swagger UI over the hub's own ``/openapi.json``, for signed-in people only.

Swagger UI's files come from the ``fastapi-offline`` package and are served by the hub itself (no CDN), its
start-up is a static file (no inline script), and the description it loads needs the same sign-in. There is
no ReDoc page: its stylesheet is injected inline, which the pages' Content-Security-Policy forbids.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from imaging_hub.governance import Governance, Principal
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.rendering import render


def api_docs_router(gov: Governance) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @router.get("/docs")
    def api_docs(who: Principal = who_dep) -> Response:
        return render("api_docs.html", "API")

    return router
