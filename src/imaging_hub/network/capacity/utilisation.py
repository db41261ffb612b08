"""Capacity tables: utilisation of research sessions per site, scanner and ISO week; each scanner's research
share of its opening hours; and the wait from a date to the next slot that can take a given visit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from imaging_hub.network.capacity.bookings import Booking, free_minutes
from imaging_hub.network.capacity.scanners import Scanner
from imaging_hub.network.capacity.sessions import Slot


@dataclass(frozen=True)
class UtilisationRow:
    site: str
    scanner_id: str
    week: str  # ISO week, e.g. 2025-W10
    sessions: int
    research_minutes: int  # capacity of the week's research sessions
    booked_minutes: int
    utilisation: float  # booked / research minutes
    research_share: float | None  # research minutes / opening minutes; None when opening hours are unknown


@dataclass(frozen=True)
class VisitNeed:
    """What a visit needs, for asking how long until a slot could take one."""

    modality: str
    minutes: int
    capabilities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WaitRow:
    site: str
    scanner_id: str | None  # None: no suitable slot at the site in the horizon
    slot_id: str | None
    wait_days: int | None


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def utilisation(
    slots: Sequence[Slot], bookings: Sequence[Booking], scanners: Mapping[str, Scanner]
) -> list[UtilisationRow]:
    booked: dict[str, int] = defaultdict(int)
    for booking in bookings:
        booked[booking.slot_id] += booking.minutes
    cells: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for slot in slots:
        cell = cells[slot.site, slot.scanner_id, iso_week(slot.day)]
        cell[0] += 1
        cell[1] += slot.minutes
        cell[2] += min(slot.minutes, booked.get(slot.slot_id, 0))
    rows = []
    for (site, scanner_id, week), (count, research, used) in sorted(cells.items()):
        hours = scanners[scanner_id].weekly_hours
        share = research / (hours * 60) if hours else None
        rows.append(UtilisationRow(site, scanner_id, week, count, research, used, used / research, share))
    return rows


def waits_to_next_slot(
    slots: Sequence[Slot], bookings: Sequence[Booking], scanners: Mapping[str, Scanner], need: VisitNeed, start: date
) -> list[WaitRow]:
    """Per site: the first slot on or after ``start`` with room for the visit on a suitable scanner."""
    free = free_minutes(slots, bookings)
    first: dict[str, Slot] = {}
    for slot in sorted(slots, key=lambda s: s.start):
        suitable = scanners[slot.scanner_id].can_do(need.modality, need.capabilities)
        if suitable and slot.day >= start and free[slot.slot_id] >= need.minutes:
            first.setdefault(slot.site, slot)
    rows = []
    for site in sorted({s.site for s in scanners.values()}):
        found = first.get(site)
        if found is None:
            rows.append(WaitRow(site, None, None, None))
        else:
            rows.append(WaitRow(site, found.scanner_id, found.slot_id, (found.day - start).days))
    return rows
