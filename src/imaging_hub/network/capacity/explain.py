"""Why a visit went where it did: how many slots could take it, its wait and travel, and the best alternative."""

from __future__ import annotations

from collections.abc import Mapping

from imaging_hub.network.capacity.options import COST_SCALE, Feasibility, VisitOption
from imaging_hub.network.capacity.visits import VisitRequest


def explain_visit(
    visit: VisitRequest,
    feasibility: Feasibility,
    chosen: VisitOption | None,
    left: Mapping[str, int],  # free minutes per slot after the plan
    group_scanner: str | None,  # where the visit's same-scanner group was placed, if anywhere
) -> str:
    options = feasibility.options
    if not options:
        return f"unallocated: {feasibility.why_none}"
    count = f"{len(options)} feasible session{'s' if len(options) != 1 else ''}"
    if chosen is None:
        return f"unallocated: {count}, but {_blocked(visit, options, left, group_scanner)}"
    text = f"{count}; chosen {_describe(chosen)}"
    others = [o for o in options if o.slot.slot_id != chosen.slot.slot_id]
    if not others:
        return text + "; the only feasible session"
    best = others[0]
    text += f"; best alternative {best.slot.slot_id} {_describe(best)}"
    if best.cost < chosen.cost:
        return text + f" not taken: {_why_not(visit, best, left, group_scanner)}"
    return text + ("; chosen is the cheapest" if best.cost > chosen.cost else "; equally good")


def _describe(option: VisitOption) -> str:
    travel = "home unknown" if option.distance_km is None else f"{option.distance_km:.1f} km"
    return f"(wait {option.wait_days} d, {travel}, cost {option.cost / COST_SCALE:.2f})"


def _why_not(visit: VisitRequest, option: VisitOption, left: Mapping[str, int], group_scanner: str | None) -> str:
    if group_scanner and option.slot.scanner_id != group_scanner:
        return f"the same-scanner rule keeps this participant on {group_scanner}"
    if left.get(option.slot.slot_id, 0) < visit.minutes:
        return "its session is filled by other visits"
    return "the search stopped at its time limit before finding it"


def _blocked(visit: VisitRequest, options: tuple[VisitOption, ...], left: Mapping[str, int], group: str | None) -> str:
    if group and all(o.slot.scanner_id != group or left.get(o.slot.slot_id, 0) < visit.minutes for o in options):
        return f"the same-scanner rule needs {group}, which has no room in the window"
    if all(left.get(o.slot.slot_id, 0) < visit.minutes for o in options):
        return "all of them are filled by other visits"
    return "the search stopped at its time limit before placing it"
