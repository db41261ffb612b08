"""The slots a visit could go to, what each costs, and when there are none, the requirement that ruled them out.

Cost = (weight per waiting day) * (days after the visit's earliest date) + (weight per km) * (distance from the
participant's home to the site), scaled to whole hundredths so CP-SAT (integers only) optimises it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from imaging_hub.network.capacity.scanners import Scanner
from imaging_hub.network.capacity.sessions import Slot
from imaging_hub.network.capacity.sites import SiteLocation, haversine_km
from imaging_hub.network.capacity.visits import VisitRequest
from imaging_hub.network.errors import NetworkInputError

COST_SCALE = 100


@dataclass(frozen=True)
class AllocationWeights:
    per_waiting_day: float = 1.0
    per_km: float = 0.1  # 10 km of travel weigh as much as a day's wait

    def __post_init__(self) -> None:
        if self.per_waiting_day < 0 or self.per_km < 0:
            raise NetworkInputError("allocation weights cannot be negative")


@dataclass(frozen=True)
class VisitOption:
    slot: Slot
    wait_days: int
    distance_km: float | None  # None: the participant's home is not known, travel not counted
    cost: int


@dataclass(frozen=True)
class Feasibility:
    options: tuple[VisitOption, ...]  # cheapest first
    why_none: str


def option_cost(wait_days: int, distance_km: float | None, weights: AllocationWeights) -> int:
    travel = distance_km or 0.0
    return round(COST_SCALE * (weights.per_waiting_day * wait_days + weights.per_km * travel))


def feasible_options(
    visit: VisitRequest,
    slots: Sequence[Slot],
    scanners: Mapping[str, Scanner],
    sites: Mapping[str, SiteLocation],
    free: Mapping[str, int],
    weights: AllocationWeights,
) -> Feasibility:
    suitable = [s for s in scanners.values() if s.modality == visit.modality]
    if not suitable:
        return Feasibility((), f"no scanner in the network is {visit.modality}")
    suitable = [s for s in suitable if visit.capabilities <= s.capabilities]
    if not suitable:
        needs = ", ".join(sorted(visit.capabilities))
        return Feasibility((), f"no {visit.modality} scanner has every required capability ({needs})")
    if visit.previous_scanner:
        suitable = [s for s in suitable if s.scanner_id == visit.previous_scanner]
        if not suitable:
            return Feasibility((), f"the previous visit's scanner {visit.previous_scanner} does not meet the protocol")
    ids = {s.scanner_id for s in suitable}
    dated = [s for s in slots if s.scanner_id in ids and visit.earliest <= s.day <= visit.latest]
    if not dated:
        return Feasibility((), "no research session on a suitable scanner within the visit's window and the horizon")
    roomy = [s for s in dated if free.get(s.slot_id, 0) >= visit.minutes]
    if not roomy:
        return Feasibility((), f"no session in the window has {visit.minutes} free minutes")
    options = [_option(visit, slot, sites, weights) for slot in roomy]
    return Feasibility(tuple(sorted(options, key=lambda o: (o.cost, o.slot.start, o.slot.slot_id))), "")


def _option(
    visit: VisitRequest, slot: Slot, sites: Mapping[str, SiteLocation], weights: AllocationWeights
) -> VisitOption:
    location = sites.get(slot.site)
    if location is None:
        raise NetworkInputError(f"site {slot.site} has no location")
    distance = haversine_km(*visit.home, location.latitude, location.longitude) if visit.home else None
    wait = (slot.day - visit.earliest).days
    return VisitOption(slot, wait, distance, option_cost(wait, distance, weights))
