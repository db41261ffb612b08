"""Cost per site per month: recorded activity x the schedule of events x the tariff of the month's year.

Money is exact: each occurrence of an activity is priced to the penny (an hourly rate for its minutes is
rounded half up once, per occurrence), and everything after is multiplication by whole counts and addition.

Excess treatment cost. AcoRD calls the NHS Treatment cost of a study's care its treatment cost, and the amount
by which it exceeds the standard care it replaces the excess treatment cost (ETC). The difference can fall
below zero when the new care is cheaper than the old; that is an excess treatment *saving*, not a negative
cost, so the two are kept apart and both are never negative: ``excess_treatment_cost = max(d, 0)`` and
``excess_treatment_saving = max(-d, 0)`` where ``d`` is treatment cost minus standard-care cost. Standard care
itself costs what it replaces, so its ``d`` is zero; a new treatment that replaces nothing is excess in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from imaging_hub.network.costs.acord import Attribution, Category, attribute
from imaging_hub.network.costs.errors import CostsInputError, Problem
from imaging_hub.network.costs.money import ZERO
from imaging_hub.network.costs.recorded import ActivityLog, RecordedActivity
from imaging_hub.network.costs.schedule import Schedule, ScheduledActivity
from imaging_hub.network.costs.tariff import Tariff, Tariffs, TariffUnit, financial_year_of


@dataclass(frozen=True)
class CostLine:
    """One activity of one visit at one site in one month."""

    site: str
    month: str
    tariff_year: str
    attribution: Attribution
    occurrences: int  # participants x the activity's count per visit
    unit_cost: Decimal
    standard_care_unit_cost: Decimal  # what the standard care it stands for costs (NHS Treatment only)

    @property
    def activity(self) -> ScheduledActivity:
        return self.attribution.activity

    @property
    def category(self) -> Category:
        return self.attribution.category

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.occurrences

    @property
    def standard_care_cost(self) -> Decimal:
        return self.standard_care_unit_cost * self.occurrences if self.category is Category.NHS_TREATMENT else ZERO

    @property
    def excess_treatment_cost(self) -> Decimal:
        if self.category is not Category.NHS_TREATMENT:
            return ZERO
        return max(self.cost - self.standard_care_cost, ZERO)

    @property
    def excess_treatment_saving(self) -> Decimal:
        if self.category is not Category.NHS_TREATMENT:
            return ZERO
        return max(self.standard_care_cost - self.cost, ZERO)


@dataclass
class SiteMonth:
    """The totals of one site in one month, by category, with the excess treatment cost and saving."""

    site: str
    month: str
    by_category: dict[Category, Decimal] = field(default_factory=lambda: {c: ZERO for c in Category})
    excess_treatment_cost: Decimal = ZERO
    excess_treatment_saving: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.by_category.values(), ZERO)


@dataclass(frozen=True)
class CostReport:
    lines: tuple[CostLine, ...]

    def site_months(self) -> list[SiteMonth]:
        """Per site per month totals, ordered by site then month."""
        totals: dict[tuple[str, str], SiteMonth] = {}
        for line in self.lines:
            total = totals.setdefault((line.site, line.month), SiteMonth(line.site, line.month))
            total.by_category[line.category] += line.cost
            total.excess_treatment_cost += line.excess_treatment_cost
            total.excess_treatment_saving += line.excess_treatment_saving
        return [totals[key] for key in sorted(totals)]

    def category_total(self, category: Category) -> Decimal:
        return sum((line.cost for line in self.lines if line.category is category), ZERO)


def cost(
    schedule: Schedule,
    tariffs: Tariffs,
    log: ActivityLog,
    overrides: Mapping[ScheduledActivity, Attribution] | None = None,
) -> CostReport:
    """Price every recorded visit; raise ``CostsInputError`` naming every row that cannot be priced."""
    overrides = overrides or {}
    problems: dict[Problem, None] = {}  # ordered and without repeats: one schedule row may fail in many months
    occurrences: dict[tuple[str, str, ScheduledActivity], int] = {}
    for entry in log.entries:
        tariff = tariffs.for_month(entry.month)
        if tariff is None:
            year = financial_year_of(entry.month)
            missing = f"falls in financial year {year}/{(year + 1) % 100:02d}, for which no tariff was given"
            problems[Problem(log.source, entry.row, "month", missing)] = None
            continue
        activities = _activities(schedule, entry, log.source, problems)
        for activity in activities:
            for problem in _unpriceable(schedule.source, activity, tariff):
                problems[problem] = None
            key = (entry.site, entry.month, activity)
            per_entry = entry.count if entry.occurrences else entry.count * activity.per_visit
            occurrences[key] = occurrences.get(key, 0) + per_entry
    if problems:
        raise CostsInputError(list(problems))
    lines = []
    for (site, month, activity), count in sorted(occurrences.items(), key=_line_order):
        tariff = tariffs.for_month(month)
        assert tariff is not None  # checked above
        lines.append(CostLine(
            site=site, month=month, tariff_year=tariff.year,
            attribution=overrides.get(activity) or attribute(activity), occurrences=count,
            unit_cost=tariff[activity.tariff_code].cost(activity.minutes),
            standard_care_unit_cost=_standard_care_unit_cost(activity, tariff),
        ))
    return CostReport(tuple(lines))


def _activities(
    schedule: Schedule, entry: RecordedActivity, source: str, problems: dict[Problem, None]
) -> Iterable[ScheduledActivity]:
    visit = schedule.visit(entry.visit)
    if not visit:
        problems[Problem(source, entry.row, "visit", "names no study, arm and visit in the schedule")] = None
        return ()
    if entry.activity is None:
        return visit
    chosen = [a for a in visit if a.name == entry.activity]
    if not chosen:
        problems[Problem(source, entry.row, "activity", "is not an activity of this visit in the schedule")] = None
    return chosen


def _unpriceable(source: str, activity: ScheduledActivity, tariff: Tariff) -> list[Problem]:
    found = []
    codes = (("tariff_code", activity.tariff_code), ("replaces_tariff_code", activity.replaces_tariff_code))
    for column, code in codes:
        if code is None:
            continue
        if code not in tariff:
            found.append(Problem(source, activity.row, column, f"is not a code of the {tariff.year} tariff"))
        elif tariff[code].unit is TariffUnit.HOUR and activity.minutes == 0:
            found.append(Problem(source, activity.row, "minutes",
                                 f"is 0 but the {tariff.year} tariff prices this {column} by the hour"))
    return found


def _standard_care_unit_cost(activity: ScheduledActivity, tariff: Tariff) -> Decimal:
    if activity.standard_care:
        return tariff[activity.tariff_code].cost(activity.minutes)
    if activity.replaces_tariff_code is not None:
        return tariff[activity.replaces_tariff_code].cost(activity.minutes)
    return ZERO


def _line_order(item: tuple[tuple[str, str, ScheduledActivity], int]) -> tuple[str, str, int]:
    (site, month, activity), _ = item
    return site, month, activity.row
