"""CP-SAT allocation: every constraint holds, the plan is optimal (checked by enumerating every plan of a small
batch), and a visit that cannot be placed is reported with the reason."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

from imaging_hub.network.capacity import (
    AllocationPlan,
    AllocationWeights,
    Slot,
    VisitRequest,
    allocate,
    haversine_km,
    option_cost,
)

from .network_fixture import BATCH, FIRST, REGISTER, SCANNERS, SITES, WEEKS, visit

WEIGHTS = AllocationWeights(per_waiting_day=1.0, per_km=0.1)


def _allowed(v: VisitRequest, slot: Slot) -> bool:
    """The protocol's requirements for one visit and one slot, stated independently of the engine."""
    scanner = SCANNERS[slot.scanner_id]
    return (
        scanner.modality == v.modality
        and v.capabilities <= scanner.capabilities
        and v.earliest <= slot.day <= v.latest
        and v.minutes <= slot.minutes
        and (v.previous_scanner is None or v.previous_scanner == slot.scanner_id)
    )


def _respects_shared_constraints(visits: Sequence[VisitRequest], choice: Sequence[Slot | None]) -> bool:
    used: dict[str, int] = defaultdict(int)
    group_scanners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for v, slot in zip(visits, choice, strict=True):
        if slot is None:
            continue
        used[slot.slot_id] += v.minutes
        if slot.minutes < used[slot.slot_id]:
            return False
        if v.same_scanner:
            group_scanners[v.project, v.participant].add(slot.scanner_id)
    return all(len(scanners) <= 1 for scanners in group_scanners.values())


def _cost(v: VisitRequest, slot: Slot) -> int:
    site = SITES[slot.site]
    km = haversine_km(*v.home, site.latitude, site.longitude) if v.home else None
    return option_cost((slot.day - v.earliest).days, km, WEIGHTS)


def _check_plan(plan: AllocationPlan, visits: Sequence[VisitRequest]) -> list[Slot | None]:
    by_id = {s.slot_id: s for s in REGISTER.slots(FIRST, WEEKS)}
    choice = [by_id[p.booking.slot_id] if p.booking else None for p in plan.visits]
    for v, slot in zip(visits, choice, strict=True):
        assert slot is None or _allowed(v, slot), v.visit_id
    assert _respects_shared_constraints(visits, choice)
    return choice


def test_every_constraint_holds_and_the_plan_is_optimal_by_enumeration() -> None:
    plan = allocate(BATCH, REGISTER, FIRST, WEEKS, weights=WEIGHTS)
    choice = _check_plan(plan, BATCH)
    slots = REGISTER.slots(FIRST, WEEKS)
    candidates = [[None, *(s for s in slots if _allowed(v, s))] for v in BATCH]
    best: tuple[int, int] | None = None
    for combination in itertools.product(*candidates):
        if not _respects_shared_constraints(BATCH, combination):
            continue
        placed = [(v, s) for v, s in zip(BATCH, combination, strict=True) if s is not None]
        score = (-len(placed), sum(_cost(v, s) for v, s in placed))
        best = score if best is None or score < best else best
    assert best is not None
    assert plan.optimal
    assert (-len(plan.bookings), plan.total_cost) == best
    assert plan.total_cost == sum(_cost(v, s) for v, s in zip(BATCH, choice, strict=True) if s is not None)


def test_the_longitudinal_and_previous_scanner_rules_hold() -> None:
    plan = {p.visit.visit_id: p for p in allocate(BATCH, REGISTER, FIRST, WEEKS, weights=WEIGHTS).visits}
    v3, v4, v8 = plan["v3"].booking, plan["v4"].booking, plan["v8"].booking
    assert v3 is not None and v4 is not None and v3.scanner_id == v4.scanner_id
    assert v8 is not None and v8.scanner_id == "B-MR1"  # although Leeds is nearer the participant's home


def test_infeasible_visits_are_reported_with_the_requirement_that_ruled_them_out() -> None:
    plan = {p.visit.visit_id: p for p in allocate(BATCH, REGISTER, FIRST, WEEKS, weights=WEIGHTS).visits}
    assert plan["v6"].booking is None and plan["v6"].feasible == 0
    assert "no MR scanner has every required capability (spectroscopy)" in plan["v6"].reason
    assert plan["v7"].booking is None and "no scanner in the network is PT" in plan["v7"].reason
    late = visit("late", "P10", 30, "MR", (20, 25))
    (alone,) = allocate([late], REGISTER, FIRST, WEEKS).visits
    assert "within the visit's window and the horizon" in alone.reason


def test_a_visit_squeezed_out_by_capacity_says_so_and_the_placed_one_explains_its_choice() -> None:
    first = visit("first", "P1", 40, "MR", (3, 3), capabilities=frozenset({"contrast"}))
    second = visit("second", "P2", 40, "MR", (3, 3), capabilities=frozenset({"contrast"}), home=(53.80, -1.55))
    plan = allocate([first, second], REGISTER, FIRST, WEEKS)
    placed = [p for p in plan.visits if p.booking]
    left = [p for p in plan.visits if not p.booking]
    assert len(placed) == 1 and len(left) == 1
    assert "1 feasible session, but all of them are filled by other visits" in left[0].reason
    assert "the only feasible session" in placed[0].reason
    assert placed[0].booking is not None and placed[0].booking.slot_id == "A-eve@2025-03-03"
    assert placed[0].visit.visit_id == "second"  # its home is nearer: less travel for the same wait


def test_the_explanation_names_the_best_alternative_and_visits_are_packed_in_the_session() -> None:
    early = visit("early", "P1", 30, "MR", (3, 14), capabilities=DWI_ONLY)
    later = visit("later", "P2", 30, "MR", (3, 14), capabilities=DWI_ONLY)
    plan = allocate([early, later], REGISTER, FIRST, WEEKS)
    a, b = (p.booking for p in plan.visits)
    assert a is not None and b is not None
    assert a.slot_id == b.slot_id == "A-eve@2025-03-03"  # both fit the first Leeds session
    assert b.start - a.start == a.end - a.start  # back to back
    assert "5 feasible sessions; chosen (wait 0 d" in plan.visits[0].reason
    assert "best alternative B-eve@2025-03-05" in plan.visits[0].reason or "A-eve@2025-03-07" in plan.visits[0].reason
    assert "chosen is the cheapest" in plan.visits[0].reason


def test_existing_bookings_take_their_minutes_first() -> None:
    blocker = allocate([visit("old", "P0", 50, "MR", (3, 3), capabilities=DWI_ONLY)], REGISTER, FIRST, WEEKS)
    plan = allocate([visit("new", "P1", 30, "MR", (3, 3))], REGISTER, FIRST, WEEKS, existing=blocker.bookings)
    (only,) = plan.visits
    assert only.booking is None and "no session in the window has 30 free minutes" in only.reason


DWI_ONLY = frozenset({"dwi"})


def test_a_search_out_of_time_still_returns_a_plan_that_respects_every_constraint() -> None:
    plan = allocate(BATCH, REGISTER, FIRST, WEEKS, weights=WEIGHTS, time_limit_s=0.0, workers=1)
    _check_plan(plan, BATCH)
    assert len(plan.bookings) == 7  # every placeable visit of this batch (all but v6 and v7)
