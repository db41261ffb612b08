"""Overrides kept in a CSV file, for the offline attribution: one row per activity a person re-categorised.

CSV columns: ``study``, ``arm``, ``visit``, ``activity`` (naming a scheduled activity), ``category``
(``research_part_a``, ``research_part_b``, ``nhs_support`` or ``nhs_treatment``), ``by`` (who decided),
``at`` (when, ISO 8601 with a UTC offset, ``2025-05-01T10:00:00+01:00``) and ``justification`` (why).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from imaging_hub.network.costs.acord import Attribution, Category, attribute, override
from imaging_hub.network.costs.errors import CostsInputError, Problem
from imaging_hub.network.costs.schedule import Schedule, ScheduledActivity, VisitKey
from imaging_hub.network.costs.table import read_rows

OVERRIDE_COLUMNS = ("study", "arm", "visit", "activity", "category", "by", "at", "justification")


def read_overrides(path: Path, schedule: Schedule) -> dict[ScheduledActivity, Attribution]:
    """The overridden attributions, by activity; raise ``CostsInputError`` naming every bad row and column."""
    problems: list[Problem] = []
    found: dict[ScheduledActivity, Attribution] = {}
    for row in read_rows(path, OVERRIDE_COLUMNS, (), problems):
        key = VisitKey(row.text("study"), row.text("arm"), row.text("visit"))
        activity = schedule.activity(key, row.text("activity"))
        if row.ok and activity is None:
            row.fail("activity", "names no activity of this study, arm and visit in the schedule")
        category = row.choice("category", Category)
        by, justification = row.text("by"), row.text("justification")
        at = _instant(row.text("at"))
        if at is None and row.optional("at"):
            row.fail("at", "expected an ISO 8601 date and time with a UTC offset")
        if activity is not None and activity in found:
            row.fail("activity", "is already overridden on an earlier row")
        if not row.ok or activity is None or category is None or at is None:
            continue
        try:
            found[activity] = override(attribute(activity), category, by=by, at=at, justification=justification)
        except CostsInputError as refused:
            for problem in refused.problems:
                row.fail(problem.column, problem.message)
    if problems:
        raise CostsInputError(problems)
    return found


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None
