"""A visit booked into a slot, at a start time within the session."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from imaging_hub.network.capacity.sessions import Slot


@dataclass(frozen=True)
class Booking:
    visit_id: str
    slot_id: str
    scanner_id: str
    site: str
    start: datetime
    minutes: int
    project: str = ""
    timepoint: str = ""
    participant: str = ""  # the project's pseudonym, never a hospital identifier

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


def booked_minutes(bookings: Iterable[Booking]) -> dict[str, int]:
    used: dict[str, int] = defaultdict(int)
    for booking in bookings:
        used[booking.slot_id] += booking.minutes
    return dict(used)


def free_minutes(slots: Iterable[Slot], bookings: Iterable[Booking]) -> dict[str, int]:
    used = booked_minutes(bookings)
    return {slot.slot_id: max(0, slot.minutes - used.get(slot.slot_id, 0)) for slot in slots}


def next_start(slot: Slot, bookings_in_slot: Iterable[Booking]) -> datetime:
    """Visits are packed back to back from the session's start."""
    ends = [b.end for b in bookings_in_slot]
    return max([slot.start, *ends])


def by_slot(bookings: Iterable[Booking]) -> defaultdict[str, list[Booking]]:
    grouped: defaultdict[str, list[Booking]] = defaultdict(list)
    for booking in bookings:
        grouped[booking.slot_id].append(booking)
    return grouped
