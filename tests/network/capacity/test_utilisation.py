"""Capacity tables: utilisation per site, scanner and week; research share; waits; a what-if that recomputes them."""

from __future__ import annotations

from datetime import time

import pytest

from imaging_hub.network import NetworkInputError
from imaging_hub.network.capacity import (
    Scenario,
    SessionTemplate,
    VisitNeed,
    allocate,
    utilisation,
    waits_to_next_slot,
    what_if,
)

from .network_fixture import BATCH, FIRST, REGISTER, SCANNERS, WEEKS

LONG_MR = VisitNeed("MR", 90, frozenset({"dwi"}))
HOUR_MR = VisitNeed("MR", 60, frozenset({"dwi"}))


def test_utilisation_per_site_scanner_and_week_with_research_share() -> None:
    plan = allocate(BATCH, REGISTER, FIRST, WEEKS)
    rows = {(r.scanner_id, r.week): r for r in utilisation(REGISTER.slots(FIRST, WEEKS), plan.bookings, SCANNERS)}
    a_week1 = rows["A-MR1", "2025-W10"]
    assert (a_week1.site, a_week1.sessions, a_week1.research_minutes) == ("A", 2, 120)
    booked = sum(b.minutes for b in plan.bookings if b.scanner_id == "A-MR1" and b.start.day in (3, 7))
    assert a_week1.booked_minutes == booked and a_week1.utilisation == pytest.approx(booked / 120)
    assert a_week1.research_share == pytest.approx(120 / (60 * 60))
    assert ("C-CT1", "2025-W11") not in rows  # its only session that week is cancelled
    assert sum(r.booked_minutes for r in rows.values()) == sum(b.minutes for b in plan.bookings)


def test_wait_to_the_next_suitable_slot_per_site() -> None:
    waits = {w.site: w for w in waits_to_next_slot(REGISTER.slots(FIRST, WEEKS), [], SCANNERS, LONG_MR, FIRST)}
    assert (waits["B"].slot_id, waits["B"].wait_days) == ("B-eve@2025-03-05", 2)
    assert waits["A"].wait_days is None and waits["C"].wait_days is None  # Leeds sessions last an hour


def test_what_if_adds_a_session_and_closes_a_scanner() -> None:
    plan = allocate(BATCH, REGISTER, FIRST, WEEKS)
    scenario = Scenario(
        add_sessions=(SessionTemplate("A-tue", "A-MR1", 1, time(9), time(11)),),
        close_scanners=frozenset({"B-MR1"}),
    )
    result = what_if(REGISTER, plan.bookings, scenario, FIRST, WEEKS, [HOUR_MR])
    before = {w.site: w.wait_days for w in result.before.waits[HOUR_MR]}
    after = {w.site: w.wait_days for w in result.after.waits[HOUR_MR]}
    # With the batch booked, Leeds has no free hour and Sheffield's first is on the 12th (30 min left on the 5th).
    assert before == {"A": None, "B": 9, "C": None}
    assert after == {"A": 1, "C": None}  # Sheffield's only MR is closed; Leeds gains a two-hour Tuesday
    assert {b.visit_id for b in result.displaced} == {b.visit_id for b in plan.bookings if b.scanner_id == "B-MR1"}
    after_rows = {(r.scanner_id, r.week): r for r in result.after.utilisation}
    assert ("B-MR1", "2025-W10") not in after_rows
    assert after_rows["A-MR1", "2025-W10"].research_minutes == 120 + 120


def test_closing_an_unknown_scanner_is_refused() -> None:
    with pytest.raises(NetworkInputError, match="unregistered scanner"):
        what_if(REGISTER, [], Scenario(close_scanners=frozenset({"Z-MR9"})), FIRST, WEEKS)
