"""When a reporter is rostered: weekly sessions (which may run overnight) or explicit date-time ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.week import NETWORK_ZONE, WEEKDAYS

_WEEKLY = re.compile(r"^(?P<day>[A-Za-z]{3})\w*\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")


@dataclass(frozen=True)
class WeeklySession:
    """Every week on one weekday (0 = Monday); an end at or before the start runs into the next day."""

    weekday: int
    start: time
    end: time
    zone: ZoneInfo = NETWORK_ZONE

    def covers(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.weekday() == self.weekday and self.start <= clock < self.end
        started_today = local.weekday() == self.weekday and clock >= self.start
        started_yesterday = local.weekday() == (self.weekday + 1) % 7 and clock < self.end
        return started_today or started_yesterday


@dataclass(frozen=True)
class DatedSession:
    """One explicit range, e.g. an extra out-of-hours shift."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise NetworkInputError("a dated session needs UTC offsets on both ends")
        if self.end <= self.start:
            raise NetworkInputError("a dated session must end after it starts")

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


RosterSession = WeeklySession | DatedSession


def parse_session(spec: str) -> RosterSession:
    """'Mon 08:00-12:30' (weekly, network local time) or 'START/END' as ISO date-times with offsets."""
    spec = spec.strip()
    weekly = _WEEKLY.match(spec)
    if weekly:
        day = weekly["day"].lower()
        if day not in WEEKDAYS:
            raise NetworkInputError("a weekly session starts with a weekday such as Mon")
        try:
            start, end = time.fromisoformat(weekly["start"].zfill(5)), time.fromisoformat(weekly["end"].zfill(5))
        except ValueError:
            raise NetworkInputError("a weekly session's times must be HH:MM") from None
        if start == end:
            raise NetworkInputError("a weekly session cannot start and end at the same time")
        return WeeklySession(WEEKDAYS.index(day), start, end)
    if "/" in spec:
        first, _, second = spec.partition("/")
        try:
            return DatedSession(datetime.fromisoformat(first.strip()), datetime.fromisoformat(second.strip()))
        except ValueError:
            pass
    raise NetworkInputError("a session is 'Mon 08:00-12:00' or 'START/END' as ISO date-times with offsets")


def rostered(sessions: tuple[RosterSession, ...], at: datetime) -> bool:
    return any(session.covers(at) for session in sessions)


def session_length(session: WeeklySession) -> timedelta:
    start = datetime.combine(datetime.min.date(), session.start)
    end = datetime.combine(datetime.min.date(), session.end)
    return end - start if end > start else end + timedelta(days=1) - start
