"""The costs tests' sample files, written afresh for each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from costs_samples import ACTIVITY, SCHEDULE, TARIFF_2024, TARIFF_2025, write


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    return {
        "schedule": write(tmp_path, "schedule.csv", SCHEDULE),
        "tariff": write(tmp_path, "tariff-2025.csv", TARIFF_2025),
        "tariff_2024": write(tmp_path, "tariff-2024.csv", TARIFF_2024),
        "activity": write(tmp_path, "activity.csv", ACTIVITY),
    }
