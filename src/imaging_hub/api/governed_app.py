"""The hub's HTTP app with governance wired in: DICOMweb filtered by agreement, every access audited,
the governance API and the routes spokes report to. This is what ``imaging-hub serve`` runs.

The web pages are another face above this one: the caller passes them in as ``pages`` (for the hub,
``imaging_hub.web.web_face()``), so the api never imports the web.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fastapi import APIRouter, FastAPI

from imaging_hub.api.app import create_app
from imaging_hub.api.body_limits import SPOKE_REPORT_MAX_BYTES
from imaging_hub.api.context import DEFAULT_MAX_UPLOAD_BYTES
from imaging_hub.api.governance.admin import admin_router
from imaging_hub.api.governance.auth import HttpAuth
from imaging_hub.api.governance.error_audit import ErrorAudit
from imaging_hub.api.governance.routes import governance_router
from imaging_hub.api.network_routes import FHIR_MAX_BYTES, network_audit, network_fhir_router
from imaging_hub.api.spoke_routes import governance_audit, governed_caller, spoke_router
from imaging_hub.governance import ArchiveSource, Governance
from imaging_hub.hub import HubRoom, propose_scanners
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.store import Archive


class PageRouters(Protocol):
    """Routers another face mounts on a governed hub, built from its governance, archive and hub room. It may
    also carry ``not_found(request, exc) -> Response``, installed as the app's handler for 404s."""

    def __call__(self, gov: Governance, archive: Archive, room: HubRoom) -> Sequence[APIRouter]: ...


def create_governed_app(
    archive: Archive,
    gov: Governance,
    *,
    pages: PageRouters | None = None,
    extra_routers: Sequence[APIRouter] = (),
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> FastAPI:
    """``archive`` and ``gov`` stay owned by the caller (open them before, close them after).

    ``pages``: the web face's routers (``imaging_hub.web.web_face()``); without it the app has no pages.
    """
    source = ArchiveSource(archive)
    auth = HttpAuth(gov, projects_of=source.projects_of)
    room = HubRoom.open(archive, audit=governance_audit(gov))
    spokes = APIRouter()
    spokes.include_router(spoke_router(room, caller=governed_caller(gov, auth)), max_body_size=SPOKE_REPORT_MAX_BYTES)
    network = APIRouter()  # the network room's FHIR routes (reporting tasks in, reports out)
    network_room = NetworkRoom.open(archive.database.writer, audit=network_audit(gov))
    network.include_router(network_fhir_router(gov, auth, network_room), max_body_size=FHIR_MAX_BYTES)
    propose_scanners(archive, network_room)  # devices in arriving data become proposals for the register
    app = create_app(
        archive,
        scope_dependency=auth.dicomweb_scope,
        on_access=auth.dicomweb_audit,
        description_dependency=auth.require,
        extra_routers=[
            admin_router(gov),
            governance_router(gov, source),
            spokes,
            network,
            *(pages(gov, archive, room) if pages is not None else ()),
            *extra_routers,
        ],
        max_upload_bytes=max_upload_bytes,
    )
    app.add_middleware(ErrorAudit, gov=gov)
    not_found = getattr(pages, "not_found", None)  # a face may bring its own answer to 404s (web: a page)
    if not_found is not None:
        app.add_exception_handler(404, not_found)
    return app
