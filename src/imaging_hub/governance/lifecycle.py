"""Where a project stands, as the hub shows it. The stored status is the administrator's word ("setup" while
the project is defined, "open" once they open it, "closed" when it ends); what is shown moves on from it
with what has happened, so a project whose data is flowing never reads "setup":

- closed: stored "closed". Final whatever else holds: nothing goes in or comes out (``DataAuthority``).
- active: the first data has arrived (the hub holds an instance of the project). Sites send without an
  agreement, so arrival alone makes a project active; reading still needs an agreement in force.
- open: no data yet, but the administrator opened it or a data-sharing agreement in force names it.
- setup: otherwise.

Derived each time it is shown, never stored: it cannot drift from the archive and the agreements.
"""

from __future__ import annotations

from enum import StrEnum


class ProjectPhase(StrEnum):
    SETUP = "setup"
    OPEN = "open"
    ACTIVE = "active"
    CLOSED = "closed"


PHASE_MEANINGS = {
    ProjectPhase.SETUP: "Being set up: no agreement in force and no data yet",
    ProjectPhase.OPEN: "Waiting for its first data",
    ProjectPhase.ACTIVE: "Data has arrived",
    ProjectPhase.CLOSED: "Ended: no data goes in or comes out",
}


def project_phase(stored_status: str, *, agreement_in_force: bool, holds_data: bool) -> ProjectPhase:
    if stored_status == ProjectPhase.CLOSED:
        return ProjectPhase.CLOSED
    if holds_data:
        return ProjectPhase.ACTIVE
    if stored_status == ProjectPhase.OPEN or agreement_in_force:
        return ProjectPhase.OPEN
    return ProjectPhase.SETUP
