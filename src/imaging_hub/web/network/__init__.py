"""The network room's pages (capacity, the reporting worklist, its dashboards, the catalogue), mounted by the web
face beside the other pages: ``network_pages_router(gov, room, catalogue)``; research activity, portfolio
studies and their costs: ``activity_pages_router(gov, archive, labelling=, network=, quality=)``. Charts are
matplotlib figures rendered to SVG here."""

from __future__ import annotations

from fastapi import APIRouter

from imaging_hub.api import network_audit
from imaging_hub.governance import Governance
from imaging_hub.hub import StudyImaging, study_imaging
from imaging_hub.labelling import LabellingRoom
from imaging_hub.network.activity import ActivityRoom, StudyCosts
from imaging_hub.network.catalogue import Catalogue
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.quality import QualityRoom
from imaging_hub.store import Archive
from imaging_hub.web.network import activity as activity_pages
from imaging_hub.web.network import (
    capacity,
    capacity_booking,
    capacity_register,
    catalogue,
    costs,
    costs_records,
    portfolio_studies,
    reporting,
    worklist,
)
from imaging_hub.web.network.activity_counter import ActivityCounter
from imaging_hub.web.network.people import people_pages_router
from imaging_hub.web.network.recorded_costs import RecordedCosts

__all__ = ["activity_pages_router", "network_pages_router", "people_pages_router"]


def network_pages_router(gov: Governance, room: NetworkRoom, entries: Catalogue) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for pages in (
        capacity.router(gov, room),
        capacity_register.router(gov, room),
        capacity_booking.router(gov, room),
        worklist.router(gov, room),
        reporting.router(gov, room),
        catalogue.router(gov, entries),
    ):
        router.include_router(pages)
    return router


def activity_pages_router(
    gov: Governance,
    archive: Archive,
    labelling: LabellingRoom | None = None,
    network: NetworkRoom | None = None,
    quality: QualityRoom | None = None,
) -> APIRouter:
    """``/network/activity`` (and ``/studies``) and ``/network/costs``: counted from the archive's arrivals and the
    rooms' reads, kept in the activity room's own tables; a room not given contributes nothing."""
    audit = network_audit(gov)
    room = ActivityRoom.open(archive.database.writer, audit=audit)
    ledger = StudyCosts.open(archive.database.writer, audit=audit)
    counter = ActivityCounter(archive, room, labelling, network)
    recorded = RecordedCosts(ledger, room, counter)

    def imaging(project: str) -> StudyImaging:
        return study_imaging(project, archive, quality, labelling, network)

    router = APIRouter(include_in_schema=False)
    for pages in (
        activity_pages.router(gov, room, counter),
        portfolio_studies.router(gov, room, imaging),
        costs.router(gov, recorded),
        costs_records.router(gov, ledger, recorded),
    ):
        router.include_router(pages)
    return router
