"""Time as governance sees it. Injectable so that expiry can be tested at the exact moment it happens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, always timezone-aware UTC."""
    return datetime.now(UTC)


class SettableClock:
    """A clock that stands still until moved; for tests and simulations."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("SettableClock needs a timezone-aware datetime")
        self._now = now

    def __call__(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("SettableClock needs a timezone-aware datetime")
        self._now = now

    def advance(self, by: timedelta) -> None:
        self._now = self._now + by
