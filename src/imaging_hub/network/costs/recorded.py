"""Recorded activity: how many participants had each visit (or one activity of it) at a site in a month.

CSV columns: ``site``, ``month`` (``YYYY-MM``), ``study``, ``arm``, ``visit``, ``count`` and, optionally,
``activity``: blank means the whole visit took place ``count`` times; a name means only that activity did
(an extra research read, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imaging_hub.network.costs.errors import CostsInputError, Problem
from imaging_hub.network.costs.schedule import VisitKey
from imaging_hub.network.costs.table import read_rows
from imaging_hub.network.costs.tariff import is_month

ACTIVITY_COLUMNS = ("site", "month", "study", "arm", "visit", "count")
ACTIVITY_OPTIONAL_COLUMNS = ("activity",)


@dataclass(frozen=True)
class RecordedActivity:
    site: str
    month: str
    visit: VisitKey
    count: int
    activity: str | None = None  # None: every activity of the visit
    row: int = 0
    # True: ``count`` is how often the named activity happened (reads done), not visits times its per_visit.
    occurrences: bool = False


@dataclass(frozen=True)
class ActivityLog:
    """Recorded activity and the name of where it came from, so problems found later can point back to it."""

    source: str
    entries: tuple[RecordedActivity, ...]


def read_activity(path: Path) -> ActivityLog:
    """Read and check a recorded-activity file; raise ``CostsInputError`` naming every bad row and column."""
    problems: list[Problem] = []
    entries = []
    for row in read_rows(path, ACTIVITY_COLUMNS, ACTIVITY_OPTIONAL_COLUMNS, problems):
        month = row.text("month")
        if month and not is_month(month):
            row.fail("month", "expected a month written YYYY-MM")
        entry = RecordedActivity(
            site=row.text("site"), month=month,
            visit=VisitKey(row.text("study"), row.text("arm"), row.text("visit")),
            count=row.whole("count"), activity=row.optional("activity"), row=row.number,
        )
        if row.ok:
            entries.append(entry)
    if problems:
        raise CostsInputError(problems)
    return ActivityLog(path.name, tuple(entries))
