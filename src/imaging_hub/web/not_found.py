"""Not found, as a page: a browser asking for an address nothing answers gets an HTML "Page not found"; a
program (no ``text/html`` in Accept), and anything under the API and DICOMweb prefixes, gets the usual JSON."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from imaging_hub.web.rendering import render

_MACHINE_PREFIXES = ("/api/", "/dicom-web/", "/spokes/", "/static/")


async def not_found_page(request: Request, exc: Exception) -> Response:
    """The hub app's handler for 404s (those no route matched, and those a route raised)."""
    detail = exc.detail if isinstance(exc, HTTPException) else "Not Found"
    headers = exc.headers if isinstance(exc, HTTPException) else None
    wants_html = "text/html" in request.headers.get("accept", "")
    if not wants_html or request.url.path.startswith(_MACHINE_PREFIXES):
        return JSONResponse({"detail": detail}, status_code=404, headers=headers)
    return render("error.html", "Page not found", detail=f"There is no page at {request.url.path}.",
                  status_code=404)
