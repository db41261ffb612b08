"""What if a session were added or a scanner closed: the capacity tables before and after, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from imaging_hub.network.capacity.bookings import Booking
from imaging_hub.network.capacity.network import CapacityRegister
from imaging_hub.network.capacity.sessions import SessionTemplate
from imaging_hub.network.capacity.utilisation import UtilisationRow, VisitNeed, WaitRow, utilisation, waits_to_next_slot
from imaging_hub.network.errors import NetworkInputError


@dataclass(frozen=True)
class Scenario:
    add_sessions: tuple[SessionTemplate, ...] = ()
    close_scanners: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CapacityTables:
    utilisation: list[UtilisationRow]
    waits: dict[VisitNeed, list[WaitRow]] = field(default_factory=dict)


@dataclass(frozen=True)
class WhatIf:
    before: CapacityTables
    after: CapacityTables
    displaced: tuple[Booking, ...]  # bookings on a closed scanner, which would need rebooking


def capacity_tables(
    register: CapacityRegister, bookings: Sequence[Booking], first: date, weeks: int, needs: Sequence[VisitNeed]
) -> CapacityTables:
    slots = register.slots(first, weeks)
    known = {s.slot_id for s in slots}
    kept = [b for b in bookings if b.slot_id in known]
    return CapacityTables(
        utilisation(slots, kept, register.scanners),
        {need: waits_to_next_slot(slots, kept, register.scanners, need, first) for need in needs},
    )


def what_if(
    register: CapacityRegister,
    bookings: Sequence[Booking],
    scenario: Scenario,
    first: date,
    weeks: int,
    needs: Sequence[VisitNeed] = (),
) -> WhatIf:
    unknown = scenario.close_scanners - set(register.scanners)
    if unknown:
        raise NetworkInputError(f"cannot close unregistered scanner(s): {', '.join(sorted(unknown))}")
    closed = scenario.close_scanners
    changed = replace(
        register,
        scanners={k: s for k, s in register.scanners.items() if k not in closed},
        templates=[t for t in [*register.templates, *scenario.add_sessions] if t.scanner_id not in closed],
    )
    displaced = tuple(b for b in bookings if b.scanner_id in closed)
    kept = [b for b in bookings if b.scanner_id not in closed]
    return WhatIf(
        capacity_tables(register, bookings, first, weeks, needs),
        capacity_tables(changed, kept, first, weeks, needs),
        displaced,
    )
