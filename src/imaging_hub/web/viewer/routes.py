"""``/viewer/``: OHIF's files, its ``app-config.js`` and, for every route of the single-page app, its page.

The page needs a signed-in person (without one: the sign-in page); the code, styles and WebAssembly are
public files like the design system's. What the viewer shows comes from ``/dicom-web`` with the session
cookie, so a person outside a project gets nothing from it: their DICOMweb requests are refused there.

These responses carry their own Content-Security-Policy, wider than the pages' (OHIF needs WebAssembly
compilation for its image codecs, blob: workers and inline styles), and only under /viewer/. The hub's own
pages may frame it (the labelling reading page puts it beside the reader's form); no other site may.
"""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from imaging_hub.api import DICOMWEB_ROOT
from imaging_hub.governance import Governance, NotFound
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.rendering import render
from imaging_hub.web.viewer.bundle import OhifBundle
from imaging_hub.web.viewer.config import app_config
from imaging_hub.web.viewer_address import VIEWER_ROOT

_HASHED_NAMES_CACHE = "public, max-age=31536000, immutable"


def content_security_policy(bundle: OhifBundle) -> str:
    scripts = " ".join(("'self'", "'wasm-unsafe-eval'", *bundle.inline_script_hashes))
    return (
        f"default-src 'self'; script-src {scripts}; worker-src 'self' blob:; connect-src 'self' data: blob:; "
        "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'self'; form-action 'self'; base-uri 'self'"
    )


def viewer_router(gov: Governance, bundle: OhifBundle | None = None) -> APIRouter:
    ohif = bundle or OhifBundle(VIEWER_ROOT + "/")
    router = APIRouter(include_in_schema=False, route_class=WebRoute)
    signed_in = signed_in_dependency(gov)

    def headers(cache: str) -> dict[str, str]:
        return {
            "Content-Security-Policy": content_security_policy(ohif),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "SAMEORIGIN",  # framed by the hub's own reading page
            "Cache-Control": cache,
        }

    @router.get(VIEWER_ROOT + "/app-config.js")
    def config() -> Response:
        return Response(
            app_config(VIEWER_ROOT, DICOMWEB_ROOT), media_type="text/javascript", headers=headers("no-cache")
        )

    @router.get(VIEWER_ROOT + "/{path:path}")
    def viewer(path: str, request: Request) -> Response:
        if not ohif.installed:
            return render(
                "error.html", "Viewer not installed", status_code=503,
                detail="The OHIF viewer's files are missing on this hub: run scripts/build-web-assets.sh.",
            )
        target = ohif.file(path) if path else None
        if target is not None and target.name != "index.html":
            cache = _HASHED_NAMES_CACHE if ".bundle." in target.name else "public, max-age=3600"
            rebased = ohif.rebased(target)
            if rebased is None:
                return FileResponse(target, headers=headers(cache))
            media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return Response(rebased, media_type=media_type, headers=headers(cache))
        if target is None and "." in path.rsplit("/", 1)[-1]:
            raise NotFound(f"the viewer has no file {path[:120]}")
        signed_in(request)  # the app's own routes (/viewer/, /viewer/viewer?...) are its page
        return Response(ohif.index, media_type="text/html", headers=headers("no-store"))

    return router
