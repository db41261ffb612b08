"""The hub's HTTP app with governance wired in: DICOMweb filtered by agreement, every access audited,
the governance API, the web pages and the routes spokes report to. This is what ``imaging-hub serve`` runs."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from imaging_hub.api.app import create_app
from imaging_hub.api.context import DEFAULT_MAX_UPLOAD_BYTES
from imaging_hub.api.governance.admin import admin_router
from imaging_hub.api.governance.auth import HttpAuth
from imaging_hub.api.governance.routes import governance_router
from imaging_hub.api.spoke_routes import governance_audit, governed_caller, spoke_router
from imaging_hub.governance import Governance
from imaging_hub.governance.archive_source import ArchiveSource
from imaging_hub.hub import HubRoom
from imaging_hub.store import Archive
from imaging_hub.web import OidcSettings, assets_router, oidc_router, web_router
from imaging_hub.web.reconciliation import reconciliation_page_router


def create_governed_app(
    archive: Archive,
    gov: Governance,
    *,
    extra_routers: Sequence[APIRouter] = (),
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    oidc: OidcSettings | None = None,
) -> FastAPI:
    """``archive`` and ``gov`` stay owned by the caller (open them before, close them after).

    ``oidc``: sign-in through an identity provider; by default from ``IMAGING_HUB_OIDC_*`` (off when unset).
    """
    auth = HttpAuth(gov)
    source = ArchiveSource(archive)
    oidc = oidc if oidc is not None else OidcSettings()
    room = HubRoom.open(archive, audit=governance_audit(gov))
    return create_app(
        archive,
        scope_dependency=auth.dicomweb_scope,
        on_access=auth.dicomweb_audit,
        extra_routers=[
            admin_router(gov),
            governance_router(gov, source),
            web_router(gov, source, oidc_enabled=oidc.enabled),
            oidc_router(gov, oidc),
            assets_router(),
            spoke_router(room, caller=governed_caller(gov, auth)),
            reconciliation_page_router(gov, room),
            *extra_routers,
        ],
        max_upload_bytes=max_upload_bytes,
    )
