"""The web face of a governed hub, as the ``pages`` argument of ``create_governed_app`` and ``Hub``: every
page, sign-in through an identity provider, the design system's files, the API's documentation page (``/docs``),
the reconciliation page and the OHIF viewer at /viewer/."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from imaging_hub.api import PageRouters, network_audit
from imaging_hub.governance import ArchiveSource, Governance, StudyCatalogue
from imaging_hub.hub import HubRoom
from imaging_hub.network.catalogue import Catalogue
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.network.people import PeopleRoom
from imaging_hub.quality import QualityRoom
from imaging_hub.store import Archive
from imaging_hub.web.api_docs import api_docs_router
from imaging_hub.web.assets import assets_router
from imaging_hub.web.assurance_pages import assurance_page_router
from imaging_hub.web.assurance_readers import reader_studies, reader_study_router
from imaging_hub.web.labelling_desk import LabellingDesk
from imaging_hub.web.network import activity_pages_router, network_pages_router, people_pages_router
from imaging_hub.web.not_found import not_found_page
from imaging_hub.web.oidc_routes import oidc_router
from imaging_hub.web.oidc_settings import OidcSettings
from imaging_hub.web.pages import labelling_router, quality_router, study_browser_router, web_router
from imaging_hub.web.reconciliation import reconciliation_page_router
from imaging_hub.web.spoke_health import spoke_health_page_router
from imaging_hub.web.study_columns import StudyColumns, qc_column
from imaging_hub.web.viewer import viewer_router


def web_face(oidc: OidcSettings | None = None) -> PageRouters:
    """``oidc``: sign-in through an identity provider; by default from ``IMAGING_HUB_OIDC_*`` (off when unset)."""

    def routers(gov: Governance, archive: Archive, room: HubRoom) -> Sequence[APIRouter]:
        settings = oidc if oidc is not None else OidcSettings.load()
        desk = LabellingDesk.open(gov, archive)  # the labelling room, and its subscriber for SEGs from the viewer
        studies = reader_studies(gov, archive, desk.room)
        desk.aids = studies  # a reader study's aided reading page shows the AI's output; order is enforced
        quality = QualityRoom.open(archive.database.writer)
        network = NetworkRoom.open(archive.database.writer, audit=network_audit(gov))
        columns = StudyColumns(labelling=desk.room.study_status, quality=qc_column(quality))
        return [
            web_router(gov, ArchiveSource(archive), oidc_enabled=settings.enabled),
            oidc_router(gov, settings),
            assets_router(),
            api_docs_router(gov),
            reconciliation_page_router(gov, room),
            study_browser_router(gov, StudyCatalogue(gov.context, gov.authority, archive), columns),
            viewer_router(gov),
            labelling_router(gov, desk),
            quality_router(gov, quality),
            network_pages_router(gov, network, Catalogue.on(archive.database.writer)),
            people_pages_router(gov, PeopleRoom.open(archive.database.writer, audit=network_audit(gov))),
            activity_pages_router(gov, archive, labelling=desk.room, network=network, quality=quality),
            spoke_health_page_router(gov, room),
            assurance_page_router(gov, archive),
            reader_study_router(gov, studies),
        ]

    routers.not_found = not_found_page  # type: ignore[attr-defined]  # create_governed_app installs it for 404s
    return routers
