"""The turnaround target of a pathway is configurable but never beyond 28 days."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imaging_hub.network import NetworkInputError
from imaging_hub.network.reporting import MAXIMUM_TURNAROUND, Pathway

from .builders import AT, task


def test_a_target_of_exactly_28_days_is_accepted_and_sets_the_due_time() -> None:
    pathway = Pathway("trial-read", timedelta(days=28))
    assert task("t", pathway=pathway, hours_ago=0).due_at == AT + MAXIMUM_TURNAROUND


@pytest.mark.parametrize("turnaround", [timedelta(days=28, seconds=1), timedelta(days=60)])
def test_a_target_beyond_28_days_is_refused(turnaround: timedelta) -> None:
    with pytest.raises(NetworkInputError, match="beyond the 28-day maximum"):
        Pathway("slow", turnaround)


@pytest.mark.parametrize("turnaround", [timedelta(0), timedelta(hours=-1)])
def test_a_target_must_be_positive(turnaround: timedelta) -> None:
    with pytest.raises(NetworkInputError, match="positive"):
        Pathway("instant", turnaround)
