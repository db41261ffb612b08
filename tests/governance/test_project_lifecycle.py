"""The project status the hub shows (governance/lifecycle.py): closed is final; the first data makes a project
active, agreement or not; an agreement in force or the administrator's word opens it; otherwise setup."""

from __future__ import annotations

import pytest

from imaging_hub.governance import ProjectPhase, project_phase


@pytest.mark.parametrize(
    ("stored", "agreement", "data", "shown"),
    [
        ("setup", False, False, ProjectPhase.SETUP),
        ("setup", True, False, ProjectPhase.OPEN),
        ("open", False, False, ProjectPhase.OPEN),
        ("setup", False, True, ProjectPhase.ACTIVE),  # sites send before any agreement
        ("setup", True, True, ProjectPhase.ACTIVE),
        ("open", True, True, ProjectPhase.ACTIVE),
        ("closed", True, True, ProjectPhase.CLOSED),
        ("closed", False, False, ProjectPhase.CLOSED),
    ],
)
def test_the_shown_status(stored: str, agreement: bool, data: bool, shown: ProjectPhase) -> None:
    assert project_phase(stored, agreement_in_force=agreement, holds_data=data) == shown
