"""A study's schedule of events: the activities each visit of each arm brings, SoECAT-style.

Each activity says who does it and for how long, which tariff line prices it, and the three facts the AcoRD
attribution rests on: is it patient care, would that care continue after the study, and is it standard care
the participant would have had anyway. Research activities may name their Part B item kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from imaging_hub.network.costs.errors import CostsInputError, Problem
from imaging_hub.network.costs.table import read_rows


class ActivityKind(Enum):
    SCAN = "scan"
    REPORT = "report"
    RESEARCH_READ = "research_read"
    CONSENT = "consent"
    DATA_TRANSFER = "data_transfer"
    DATA_COLLECTION = "data_collection"
    COORDINATION = "coordination"
    REGULATORY = "regulatory"
    ANALYSIS = "analysis"
    OTHER = "other"


class PartBItem(Enum):
    """The research activities AcoRD places in Research Costs Part B; any other research activity is Part A."""

    LOCAL_COORDINATION = "local_coordination"
    DATA_COLLECTION = "data_collection"
    REGULATORY_PREPARATION = "regulatory_preparation"
    INVESTIGATOR_EXPLANATION = "investigator_explanation"


@dataclass(frozen=True)
class VisitKey:
    study: str
    arm: str
    visit: str

    def __str__(self) -> str:
        return f"{self.study} / {self.arm} / {self.visit}"


@dataclass(frozen=True)
class ScheduledActivity:
    """One activity of one visit. ``row`` is where the schedule file defines it, so later problems can say so."""

    visit: VisitKey
    name: str
    kind: ActivityKind
    staff_role: str
    minutes: int
    tariff_code: str
    patient_care: bool
    continues_after_study: bool
    standard_care: bool
    part_b_item: PartBItem | None = None
    replaces_tariff_code: str | None = None  # the standard care a new treatment replaces, for its excess cost
    per_visit: int = 1
    row: int = 0


SCHEDULE_COLUMNS = (
    "study", "arm", "visit", "activity", "kind", "staff_role", "minutes", "tariff_code",
    "patient_care", "continues_after_study", "standard_care",
)
SCHEDULE_OPTIONAL_COLUMNS = ("part_b_item", "replaces_tariff_code", "per_visit")


class Schedule:
    """Every study's activities, by visit; an activity's name is unique within its visit."""

    def __init__(self, activities: Iterable[ScheduledActivity], source: str = "schedule") -> None:
        self.source = source
        self.activities = tuple(activities)
        self._by_visit: dict[VisitKey, list[ScheduledActivity]] = {}
        for activity in self.activities:
            self._by_visit.setdefault(activity.visit, []).append(activity)

    def visit(self, key: VisitKey) -> list[ScheduledActivity]:
        return list(self._by_visit.get(key, ()))

    def activity(self, key: VisitKey, name: str) -> ScheduledActivity | None:
        return next((a for a in self._by_visit.get(key, ()) if a.name == name), None)


def read_schedule(path: Path) -> Schedule:
    """Read and check a schedule of events; raise ``CostsInputError`` naming every bad row and column."""
    problems: list[Problem] = []
    activities: list[ScheduledActivity] = []
    seen: set[tuple[VisitKey, str]] = set()
    for row in read_rows(path, SCHEDULE_COLUMNS, SCHEDULE_OPTIONAL_COLUMNS, problems):
        key = VisitKey(row.text("study"), row.text("arm"), row.text("visit"))
        name = row.text("activity")
        patient_care = row.flag("patient_care")
        standard_care = row.flag("standard_care")
        # Research activity ends with the study by definition, so the column may be left blank for it.
        continues = row.flag("continues_after_study", default=False if not patient_care else None)
        part_b = row.choice("part_b_item", PartBItem, blank=None) if row.optional("part_b_item") else None
        replaces = row.optional("replaces_tariff_code")
        activity = ScheduledActivity(
            visit=key, name=name, kind=row.choice("kind", ActivityKind) or ActivityKind.OTHER,
            staff_role=row.text("staff_role"), minutes=row.whole("minutes"), tariff_code=row.text("tariff_code"),
            patient_care=patient_care, continues_after_study=continues, standard_care=standard_care,
            part_b_item=part_b, replaces_tariff_code=replaces,
            per_visit=row.whole("per_visit", minimum=1, default=1), row=row.number,
        )
        if row.ok:
            for column, message in contradictions(activity):
                row.fail(column, message)
        if (key, name) in seen:
            row.fail("activity", "repeats an activity already listed for this study, arm and visit")
        seen.add((key, name))
        if row.ok:
            activities.append(activity)
    if not problems and not activities:
        problems.append(Problem(path.name, None, None, "has no activities"))
    if problems:
        raise CostsInputError(problems)
    return Schedule(activities, path.name)


def contradictions(activity: ScheduledActivity) -> list[tuple[str, str]]:
    """Facts that cannot all be true of one activity, as (column, why) pairs."""
    found = []
    if activity.standard_care and not activity.patient_care:
        found.append(("standard_care", "standard care is patient care, but patient_care says no"))
    if activity.standard_care and not activity.continues_after_study:
        found.append(("standard_care", "standard care continues after the study, but continues_after_study says no"))
    if not activity.patient_care and activity.continues_after_study:
        found.append(("continues_after_study", "an activity that is not patient care ends with the study"))
    if activity.part_b_item is not None and activity.patient_care:
        found.append(("part_b_item", "Part B items are research activities; this one is patient care"))
    treatment = activity.patient_care and activity.continues_after_study and not activity.standard_care
    if activity.replaces_tariff_code is not None and not treatment:
        found.append(("replaces_tariff_code", "only a new treatment (patient care that continues, not standard "
                                              "care) replaces standard care"))
    return found
