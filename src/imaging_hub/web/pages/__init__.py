"""The hub's pages, one module per page (each ``router(gov, ...)``), assembled here into ``web_router``.

``WebRoute`` (refusals as pages) and ``signed_in_dependency`` (the person behind the session cookie) are for
any other page mounted beside these, such as the reconciliation page.
"""

from __future__ import annotations

from fastapi import APIRouter

from imaging_hub.governance import ArchiveSource, Governance, StudyCatalogue
from imaging_hub.quality import QualityRoom
from imaging_hub.web.labelling_desk import LabellingDesk
from imaging_hub.web.pages import (
    agreements,
    audit,
    home,
    labelling_task,
    people,
    projects,
    reading,
    sign_in,
    sites,
    snapshots,
    studies,
    tokens,
    worklist,
)
from imaging_hub.web.pages import quality as quality_page
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import signed_in_dependency
from imaging_hub.web.study_columns import StudyColumns

__all__ = [
    "WebRoute",
    "labelling_router",
    "quality_router",
    "signed_in_dependency",
    "study_browser_router",
    "web_router",
]


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


def study_browser_router(
    gov: Governance, catalogue: StudyCatalogue, columns: StudyColumns | None = None
) -> APIRouter:
    """The study browser (``/projects/{code}/studies...``): it reads the archive through ``catalogue``;
    ``columns`` adds the rooms' columns (labelling, QC) to its table."""
    return studies.router(gov, catalogue, columns)


def labelling_router(gov: Governance, desk: LabellingDesk) -> APIRouter:
    """A reader's worklist (``/labelling``), reading a study beside the task's form, and a task's agreement,
    progress, export and import pages (``/labelling/tasks/{task}/...``)."""
    router = APIRouter(include_in_schema=False)
    for page_router in (worklist.router(gov, desk), reading.router(gov, desk), labelling_task.router(gov, desk)):
        router.include_router(page_router)
    return router


def quality_router(gov: Governance, room: QualityRoom) -> APIRouter:
    """A project's quality page (``/projects/{code}/quality``), from the quality room's results and protocols."""
    return quality_page.router(gov, room)
