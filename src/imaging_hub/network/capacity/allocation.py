"""Allocate a batch of visit requests to research session slots with OR-Tools CP-SAT.

Each visit goes to at most one feasible slot; a slot's booked minutes stay within its session; a
longitudinal group (one participant's same-scanner visits in a project) uses at most one scanner. The
objective first allocates as many visits as possible, then minimises total weighted waiting days and
travel km (see options). Every visit's outcome is explained.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from imaging_hub.network.capacity.bookings import Booking, by_slot, free_minutes, next_start
from imaging_hub.network.capacity.explain import explain_visit
from imaging_hub.network.capacity.network import CapacityRegister
from imaging_hub.network.capacity.options import AllocationWeights, Feasibility, VisitOption, feasible_options
from imaging_hub.network.capacity.visits import VisitRequest
from imaging_hub.network.errors import NetworkInputError


@dataclass(frozen=True)
class VisitPlan:
    visit: VisitRequest
    booking: Booking | None  # None: not allocated, and the reason says why
    option: VisitOption | None
    feasible: int  # how many slots could have taken it before others were placed
    reason: str


@dataclass(frozen=True)
class AllocationPlan:
    visits: tuple[VisitPlan, ...]  # in request order
    total_cost: int
    optimal: bool  # False when the time limit stopped the search at a feasible, unproven plan

    @property
    def bookings(self) -> tuple[Booking, ...]:
        return tuple(p.booking for p in self.visits if p.booking is not None)


def allocate(
    visits: Sequence[VisitRequest],
    register: CapacityRegister,
    first: date,
    weeks: int,
    *,
    existing: Sequence[Booking] = (),
    weights: AllocationWeights | None = None,
    time_limit_s: float = 30.0,
    workers: int = 8,  # CP-SAT's portfolio of strategies; one worker stalls on batches of hundreds of visits
) -> AllocationPlan:
    weights = weights or AllocationWeights()
    _check(visits, register)
    slots = register.slots(first, weeks)
    free = free_minutes(slots, existing)
    feasibility = [feasible_options(v, slots, register.scanners, register.sites, free, weights) for v in visits]
    chosen, optimal = _solve(visits, feasibility, free, time_limit_s, workers)
    left = dict(free)
    for index, taken in chosen.items():
        left[taken.slot.slot_id] -= visits[index].minutes
    groups = _groups(visits)
    placed = by_slot(existing)
    plans = []
    for index, visit in enumerate(visits):
        option = chosen.get(index)
        booking = None
        if option is not None:
            slot = option.slot
            booking = Booking(
                visit.visit_id,
                slot.slot_id,
                slot.scanner_id,
                slot.site,
                next_start(slot, placed[slot.slot_id]),
                visit.minutes,
                visit.project,
                visit.timepoint,
                visit.participant,
            )
            placed[slot.slot_id].append(booking)
        reason = explain_visit(visit, feasibility[index], option, left, _group_scanner(visit, groups, chosen))
        plans.append(VisitPlan(visit, booking, option, len(feasibility[index].options), reason))
    total = sum(option.cost for option in chosen.values())
    return AllocationPlan(tuple(plans), total, optimal)


def _solve(
    visits: Sequence[VisitRequest],
    feasibility: Sequence[Feasibility],
    free: Mapping[str, int],
    limit: float,
    workers: int,
) -> tuple[dict[int, VisitOption], bool]:
    from ortools.sat.python import cp_model  # native libraries load in seconds; only allocation needs them

    model = cp_model.CpModel()
    take: dict[tuple[int, int], cp_model.IntVar] = {}
    for v, found in enumerate(feasibility):
        for o, _ in enumerate(found.options):
            take[v, o] = model.new_bool_var(f"v{v}o{o}")
        if found.options:
            model.add_at_most_one(take[v, o] for o in range(len(found.options)))
    if not take:
        return {}, True
    greedy = _greedy(visits, feasibility, free)
    minutes_in: dict[str, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (v, o), var in take.items():
        minutes_in[feasibility[v].options[o].slot.slot_id].append((visits[v].minutes, var))
    for slot_id, terms in minutes_in.items():
        model.add(sum(minutes * var for minutes, var in terms) <= free[slot_id])
    for members in _groups(visits).values():
        on: dict[str, cp_model.IntVar] = {}
        for v in members:
            for o, option in enumerate(feasibility[v].options):
                scanner = option.slot.scanner_id
                if scanner not in on:
                    on[scanner] = model.new_bool_var(f"group{members[0]}on{scanner}")
                model.add_implication(take[v, o], on[scanner])
        if on:
            model.add_at_most_one(on.values())
            hinted = {feasibility[v].options[greedy[v]].slot.scanner_id for v in members if v in greedy}
            for scanner, var in on.items():
                model.add_hint(var, scanner in hinted)
    for (v, o), var in take.items():  # start the search from a greedy plan, so even a short limit yields a good one
        model.add_hint(var, greedy.get(v) == o)
    # Placing one more visit must outweigh any saving in cost, so the count is maximised first.
    per_visit = 1 + sum(max((o.cost for o in f.options), default=0) for f in feasibility)
    model.minimize(sum((feasibility[v].options[o].cost - per_visit) * var for (v, o), var in take.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # out of time before any plan: the greedy one is valid
        return {v: feasibility[v].options[o] for v, o in greedy.items()}, False
    chosen = {v: feasibility[v].options[o] for (v, o), var in take.items() if solver.boolean_value(var)}
    return chosen, status == cp_model.OPTIMAL


def _greedy(
    visits: Sequence[VisitRequest], feasibility: Sequence[Feasibility], free: Mapping[str, int]
) -> dict[int, int]:
    """Each visit, fewest options first, to its cheapest option that still has room on its group's scanner."""
    left = dict(free)
    scanner_of: dict[tuple[str, str], str] = {}
    chosen: dict[int, int] = {}
    for v in sorted(range(len(visits)), key=lambda i: len(feasibility[i].options)):
        group = visits[v].longitudinal_group
        for o, option in enumerate(feasibility[v].options):
            slot = option.slot
            if (
                left[slot.slot_id] < visits[v].minutes
                or scanner_of.get(group or ("", ""), slot.scanner_id) != slot.scanner_id
            ):
                continue
            left[slot.slot_id] -= visits[v].minutes
            if group is not None:
                scanner_of[group] = slot.scanner_id
            chosen[v] = o
            break
    return chosen


def _groups(visits: Sequence[VisitRequest]) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, visit in enumerate(visits):
        if visit.longitudinal_group is not None:
            groups[visit.longitudinal_group].append(index)
    return {key: members for key, members in groups.items() if len(members) > 1}


def _group_scanner(
    visit: VisitRequest, groups: Mapping[tuple[str, str], list[int]], chosen: Mapping[int, VisitOption]
) -> str | None:
    """The scanner the visit's longitudinal group was placed on, if it is in one and any member was placed."""
    key = visit.longitudinal_group
    if key is None or key not in groups:
        return None
    return next((chosen[m].slot.scanner_id for m in groups[key] if m in chosen), None)


def _check(visits: Sequence[VisitRequest], register: CapacityRegister) -> None:
    seen: set[str] = set()
    for visit in visits:
        if visit.visit_id in seen:
            raise NetworkInputError(f"visit {visit.visit_id} appears more than once")
        seen.add(visit.visit_id)
        if visit.previous_scanner and visit.previous_scanner not in register.scanners:
            raise NetworkInputError(
                f"visit {visit.visit_id}: previous scanner {visit.previous_scanner} is not registered"
            )
