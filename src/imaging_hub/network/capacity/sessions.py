"""Research sessions: weekly templates with cancelled and added dates, expanded into dated slots.

Times are local to the network (Europe/London): a 17:00 session stays at 17:00 across clock changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from imaging_hub.network.capacity.scanners import Scanner
from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.week import NETWORK_ZONE


@dataclass(frozen=True)
class SessionTemplate:
    session_id: str
    scanner_id: str
    weekday: int  # 0 = Monday
    start: time
    end: time
    cancelled: frozenset[date] = frozenset()
    added: frozenset[date] = frozenset()  # one-off extra occurrences at the same times, on any weekday
    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise NetworkInputError(f"session {self.session_id}: weekday must be 0 (Monday) to 6 (Sunday)")
        if self.end <= self.start:
            raise NetworkInputError(f"session {self.session_id}: a research session must end after it starts")
        if any(day.weekday() != self.weekday for day in self.cancelled):
            raise NetworkInputError(f"session {self.session_id}: a cancelled date is not on the session's weekday")

    @property
    def minutes(self) -> int:
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)).seconds // 60

    def dates(self, first: date, last: date) -> list[date]:
        """The session's dates within [first, last], exceptions applied."""
        lower = max(first, self.valid_from) if self.valid_from else first
        upper = min(last, self.valid_until) if self.valid_until else last
        day = lower + timedelta(days=(self.weekday - lower.weekday()) % 7)
        found = set()
        while day <= upper:
            if day not in self.cancelled:
                found.add(day)
            day += timedelta(days=7)
        found |= {day for day in self.added if first <= day <= last}
        return sorted(found)


@dataclass(frozen=True)
class Slot:
    """One dated research session on one scanner; visits share its minutes."""

    slot_id: str
    session_id: str
    scanner_id: str
    site: str
    day: date
    start: datetime  # aware, network local time
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def expand(
    templates: Iterable[SessionTemplate], scanners: Mapping[str, Scanner], first: date, weeks: int
) -> list[Slot]:
    """Every slot from ``first`` for ``weeks`` weeks, ordered by time then scanner."""
    if weeks < 1:
        raise NetworkInputError("the horizon must be at least one week")
    last = first + timedelta(days=7 * weeks - 1)
    slots = []
    for template in templates:
        scanner = scanners.get(template.scanner_id)
        if scanner is None:
            raise NetworkInputError(f"session {template.session_id}: unknown scanner {template.scanner_id}")
        for day in template.dates(first, last):
            start = datetime.combine(day, template.start, NETWORK_ZONE)
            end = datetime.combine(day, template.end, NETWORK_ZONE)
            slot_id = f"{template.session_id}@{day.isoformat()}"
            slots.append(Slot(slot_id, template.session_id, scanner.scanner_id, scanner.site, day, start, end))
    return sorted(slots, key=lambda s: (s.start, s.scanner_id, s.slot_id))
