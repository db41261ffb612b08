"""The hub's pages, one module per page (each ``router(gov, ...)``), assembled here into ``web_router``.

``WebRoute`` (refusals as pages) and ``signed_in_dependency`` (the person behind the session cookie) are for
any other page mounted beside these, such as the reconciliation page.
"""

from __future__ import annotations

from fastapi import APIRouter

from imaging_hub.governance import ArchiveSource, Governance, StudyCatalogue
from imaging_hub.web.pages import agreements, audit, home, people, projects, sign_in, sites, snapshots, studies, tokens
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import signed_in_dependency

__all__ = ["WebRoute", "signed_in_dependency", "study_browser_router", "web_router"]


def web_router(gov: Governance, source: ArchiveSource, oidc_enabled: bool = False) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for page_router in (
        home.router(gov),
        sign_in.router(gov, oidc_enabled),
        projects.router(gov, source),
        sites.router(gov),
        people.router(gov),
        agreements.router(gov),
        snapshots.router(gov, source),
        audit.router(gov),
        tokens.router(gov),
    ):
        router.include_router(page_router)
    return router


def study_browser_router(gov: Governance, catalogue: StudyCatalogue) -> APIRouter:
    """The study browser (``/projects/{code}/studies...``): it reads the archive through ``catalogue``."""
    return studies.router(gov, catalogue)
