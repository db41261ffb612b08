"""Session templates expand into dated slots with their exceptions applied, in the network's local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from imaging_hub.network import NetworkInputError
from imaging_hub.network.capacity import SessionTemplate, expand, haversine_km

from .network_fixture import FIRST, REGISTER, SCANNERS, WEEKS


def test_templates_expand_with_cancelled_and_added_dates() -> None:
    slots = REGISTER.slots(FIRST, WEEKS)
    assert [s.slot_id for s in slots] == [
        "A-eve@2025-03-03",
        "C-am@2025-03-04",
        "B-eve@2025-03-05",
        "A-eve@2025-03-07",  # added
        "A-eve@2025-03-10",
        "B-eve@2025-03-12",  # C-am on 2025-03-11 is cancelled
    ]
    assert [s.minutes for s in slots] == [60, 60, 90, 60, 60, 90]
    assert slots[0].site == "A" and slots[0].start.astimezone(UTC) == datetime(2025, 3, 3, 17, tzinfo=UTC)


def test_a_session_keeps_its_local_time_across_the_clock_change() -> None:
    template = SessionTemplate("late", "A-MR1", 0, time(17), time(18))
    after = expand([template], SCANNERS, date(2025, 3, 31), 1)[0]
    assert after.start.astimezone(UTC) == datetime(2025, 3, 31, 16, tzinfo=UTC)  # 17:00 BST


def test_validity_bounds_limit_the_dates() -> None:
    template = SessionTemplate(
        "s", "A-MR1", 0, time(9), time(10), valid_from=date(2025, 3, 4), valid_until=date(2025, 3, 17)
    )
    assert [s.day for s in expand([template], SCANNERS, FIRST, 3)] == [date(2025, 3, 10), date(2025, 3, 17)]


def test_bad_templates_are_refused() -> None:
    with pytest.raises(NetworkInputError, match="end after it starts"):
        SessionTemplate("s", "A-MR1", 0, time(10), time(9))
    with pytest.raises(NetworkInputError, match="not on the session's weekday"):
        SessionTemplate("s", "A-MR1", 0, time(9), time(10), cancelled=frozenset({date(2025, 3, 4)}))
    with pytest.raises(NetworkInputError, match="unknown scanner"):
        expand([SessionTemplate("s", "nope", 0, time(9), time(10))], SCANNERS, FIRST, 1)


def test_haversine_distance_between_leeds_and_sheffield() -> None:
    assert haversine_km(53.8008, -1.5491, 53.3811, -1.4701) == pytest.approx(46.9, abs=0.2)
    assert haversine_km(51.5, 0.0, 51.5, 0.0) == 0.0
