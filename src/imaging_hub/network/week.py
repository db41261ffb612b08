"""The network's week, shared by its sub-packages: the zone its rosters and sessions are written in, and the
weekday names its files use.

Weekly times are local (Europe/London), so a session at 08:00 stays at 08:00 across clock changes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

NETWORK_ZONE = ZoneInfo("Europe/London")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
