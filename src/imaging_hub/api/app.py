"""The FastAPI application of a hub: DICOMweb under /dicom-web, plus routers other faces mount."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI

from imaging_hub import __version__
from imaging_hub.api import qido_routes, rendered, stow_routes, wado_routes
from imaging_hub.api.access import AccessHook, current_scope, no_audit
from imaging_hub.api.context import DEFAULT_MAX_UPLOAD_BYTES, HubContext
from imaging_hub.config import HubSettings

if TYPE_CHECKING:
    from imaging_hub.store import Archive

DICOMWEB_ROOT = "/dicom-web"


def dicomweb_router() -> APIRouter:
    router = APIRouter(prefix=DICOMWEB_ROOT, tags=["DICOMweb"])
    # QIDO before WADO so /studies/{s}/series is a search, not a retrieve of a study named "series".
    for module in (stow_routes, qido_routes, rendered, wado_routes):
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
) -> FastAPI:
    """Build the hub's HTTP app.

    ``source``: settings (the app opens and closes the archive) or an open Archive (the caller owns it).
    ``scope_dependency`` replaces ``current_scope``; ``on_access`` receives every read and write.
    ``public_url`` (e.g. behind a proxy) roots the URLs written into responses; default: the request's.
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

    app = FastAPI(title="Imaging Hub", version=__version__, lifespan=lifespan)
    if not isinstance(source, HubSettings):
        app.state.hub = HubContext(source, hook, max_upload_bytes, public_url)
    app.include_router(dicomweb_router())
    for router in extra_routers:
        app.include_router(router)
    if scope_dependency is not None:
        app.dependency_overrides[current_scope] = scope_dependency

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
