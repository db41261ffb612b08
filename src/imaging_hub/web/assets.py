"""The NHS design system and htmx, served from the npm install made by scripts/build-web-assets.sh; Swagger UI
from the ``fastapi-offline`` package; the hub's own stylesheet and scripts from ``static/``."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

_MODULES = Path(__file__).with_name("assets") / "node_modules"
_ROOTS = {
    "nhsuk": _MODULES / "nhsuk-frontend" / "dist" / "nhsuk",
    "htmx": _MODULES / "htmx.org" / "dist",
    "hub": Path(__file__).with_name("static"),  # the hub's own stylesheet and scripts, shipped with the package
}
# Unversioned names the templates use, pointing at the installed files.
_ALIASES = {("nhsuk", "nhsuk-frontend.min.css"), ("nhsuk", "nhsuk-frontend.min.js"), ("htmx", "htmx.min.js")}


def assets_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/static/{package}/{path:path}")
    def asset(package: str, path: str) -> FileResponse:
        root = _swagger_ui() if package == "swagger-ui" else _ROOTS.get(package)
        if root is None:
            raise HTTPException(404, detail=f"no static package {package}")
        if not root.is_dir():
            raise HTTPException(404, detail="web assets not installed: run scripts/build-web-assets.sh")
        target = (root / path).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            raise HTTPException(404, detail=f"no static file {path}")
        return FileResponse(target, headers={"Cache-Control": "public, max-age=86400"})

    return router


def _swagger_ui() -> Path | None:
    spec = find_spec("fastapi_offline")  # located, not imported
    return Path(spec.origin).parent / "static" if spec is not None and spec.origin else None


def installed() -> bool:
    return all(((_ROOTS[p] / name).is_file() for p, name in _ALIASES))
