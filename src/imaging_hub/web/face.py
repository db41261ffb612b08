"""The web face of a governed hub, as the ``pages`` argument of ``create_governed_app`` and ``Hub``: every
page, sign-in through an identity provider, the design system's files, the API's documentation page (``/docs``)
and the reconciliation page."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from imaging_hub.api import PageRouters, spoke_reports_dir
from imaging_hub.governance import ArchiveSource, Governance
from imaging_hub.store import Archive
from imaging_hub.web.api_docs import api_docs_router
from imaging_hub.web.assets import assets_router
from imaging_hub.web.oidc_routes import oidc_router
from imaging_hub.web.oidc_settings import OidcSettings
from imaging_hub.web.pages import web_router
from imaging_hub.web.reconciliation import reconciliation_page_router


def web_face(oidc: OidcSettings | None = None) -> PageRouters:
    """``oidc``: sign-in through an identity provider; by default from ``IMAGING_HUB_OIDC_*`` (off when unset)."""

    def routers(gov: Governance, archive: Archive) -> Sequence[APIRouter]:
        settings = oidc if oidc is not None else OidcSettings.load()
        return [
            web_router(gov, ArchiveSource(archive), oidc_enabled=settings.enabled),
            oidc_router(gov, settings),
            assets_router(),
            api_docs_router(gov),
            reconciliation_page_router(gov, archive, spoke_reports_dir(archive)),
        ]

    return routers
