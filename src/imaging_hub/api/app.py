"""The FastAPI application of a hub: DICOMweb under /dicom-web, plus routers other faces mount."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from imaging_hub import __version__
from imaging_hub.api import qido_routes, rendered, stow_routes, wado_routes
from imaging_hub.api.access import AccessHook, current_scope, no_audit
from imaging_hub.api.body_limits import DEFAULT_MAX_BYTES, NamedLimit, install_limit_answer
from imaging_hub.api.context import DEFAULT_MAX_UPLOAD_BYTES, HubContext
from imaging_hub.api.security_headers import SecurityHeaders
from imaging_hub.api.validation import install_validation_answer
from imaging_hub.config import HubSettings

if TYPE_CHECKING:
    from imaging_hub.store import Archive

DICOMWEB_ROOT = "/dicom-web"


def dicomweb_router(max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> APIRouter:
    router = APIRouter(prefix=DICOMWEB_ROOT, tags=["DICOMweb"], max_body_size=DEFAULT_MAX_BYTES)
    # Only STOW-RS takes large bodies.
    router.include_router(stow_routes.router, max_body_size=max_upload_bytes)
    # QIDO before WADO so /studies/{s}/series is a search, not a retrieve of a study named "series".
    for module in (qido_routes, rendered, wado_routes):
        router.include_router(module.router)
    return router


def create_app(
    source: HubSettings | Archive,
    *,
    scope_dependency: Callable[..., Any] | None = None,
    extra_routers: Iterable[APIRouter] = (),
    on_access: AccessHook | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    public_url: str | None = None,
    description_dependency: Callable[..., Any] | None = None,
) -> FastAPI:
    """Build the hub's HTTP app.

    ``source``: settings (the app opens and closes the archive) or an open Archive (the caller owns it).
    ``scope_dependency`` replaces ``current_scope``; ``on_access`` receives every read and write.
    ``public_url`` (e.g. behind a proxy) roots the URLs written into responses; default: the request's.
    ``description_dependency`` guards ``/openapi.json`` (a governed hub: sign-in); default: ``current_scope``,
    so the description is exactly as open as DICOMweb itself. No documentation UI here: a face may add one.
    """
    from imaging_hub.store import Archive

    hook = on_access or no_audit

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if isinstance(source, HubSettings):
            archive = Archive.open(source.data, source.database)
            app.state.hub = HubContext(archive, hook, max_upload_bytes, public_url)
            try:
                yield
            finally:
                archive.close()
        else:
            yield

    app = FastAPI(
        title="Imaging Hub",
        version=__version__,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(NamedLimit)
    app.add_middleware(SecurityHeaders)  # outermost of ours: on every answer, 413s included
    install_limit_answer(app)
    install_validation_answer(app)
    if not isinstance(source, HubSettings):
        app.state.hub = HubContext(source, hook, max_upload_bytes, public_url)
    app.include_router(dicomweb_router(max_upload_bytes))
    for router in extra_routers:  # a router's own limit wins over this default (body_limits)
        app.include_router(router, max_body_size=DEFAULT_MAX_BYTES)
    if scope_dependency is not None:
        app.dependency_overrides[current_scope] = scope_dependency

    @app.get("/openapi.json", include_in_schema=False)
    def api_description(request: Request, _: Any = Depends(description_dependency or current_scope)) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
