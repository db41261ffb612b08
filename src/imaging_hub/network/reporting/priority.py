"""How urgently a study needs its report."""

from __future__ import annotations

from enum import IntEnum


class Priority(IntEnum):
    """Lower sorts first: STAT before urgent before routine."""

    STAT = 0
    URGENT = 1
    ROUTINE = 2

    @property
    def label(self) -> str:
        return "STAT" if self is Priority.STAT else self.name.lower()

    @classmethod
    def parse(cls, raw: str) -> Priority:
        """From 'STAT', 'urgent' or 'routine' in any case."""
        try:
            return cls[raw.strip().upper()]
        except KeyError:
            raise ValueError("expected STAT, urgent or routine") from None
