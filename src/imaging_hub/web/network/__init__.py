"""The network room's pages (capacity, the reporting worklist, its dashboards, the catalogue, research costs),
mounted by the web face beside the other pages: ``network_pages_router(gov, room, catalogue)``. Charts are
matplotlib figures rendered to SVG here."""

from __future__ import annotations

from fastapi import APIRouter

from imaging_hub.governance import Governance
from imaging_hub.network.catalogue import Catalogue
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.store import Archive
from imaging_hub.web.network import activity as activity_pages
from imaging_hub.web.network import capacity, capacity_booking, capacity_register, catalogue, costs, reporting, worklist
from imaging_hub.web.network.people import people_pages_router

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
        costs.router(gov),
    ):
        router.include_router(pages)
    return router


def activity_pages_router(gov: Governance, archive: Archive) -> APIRouter:
    """``/network/activity``: counted from the archive's arrivals, kept in the activity room's own tables."""
    return activity_pages.router(gov, archive)
