"""Each project's phase as the hub shows it (``lifecycle.project_phase``), from the stored status, the
agreements in force and whether the archive holds the project's data: the one place the API and the web pages
ask, so both always show the same phase."""

from __future__ import annotations

from collections.abc import Iterable

from imaging_hub.governance.archive_source import ArchiveSource
from imaging_hub.governance.lifecycle import ProjectPhase, project_phase
from imaging_hub.governance.service import Governance
from imaging_hub.governance.tables import Project


def project_phases(gov: Governance, source: ArchiveSource, projects: Iterable[Project]) -> dict[str, ProjectPhase]:
    in_force = gov.agreements.projects_in_force()
    return {
        p.code: project_phase(p.status, agreement_in_force=p.code in in_force, holds_data=source.holds_data(p.code))
        for p in projects
    }
