"""The rows the exports share: one per cost line and one per site and month, as text and as exact money."""

from __future__ import annotations

from decimal import Decimal

from imaging_hub.network.costs.acord import Category
from imaging_hub.network.costs.costing import CostLine, SiteMonth

LINE_COLUMNS = (
    "site", "month", "tariff_year", "study", "arm", "visit", "activity", "kind", "staff_role", "minutes",
    "tariff_code", "occurrences", "unit_cost", "cost", "category", "reason", "rule_category", "rule_reason",
    "override_by", "override_at", "override_justification", "standard_care_cost", "excess_treatment_cost",
    "excess_treatment_saving",
)
SUMMARY_COLUMNS = (
    "site", "month", *(c.label for c in Category), "total", "excess_treatment_cost", "excess_treatment_saving",
)
MONEY_COLUMNS = frozenset({
    "unit_cost", "cost", "standard_care_cost", "excess_treatment_cost", "excess_treatment_saving", "total",
    *(c.label for c in Category),
})

Cell = str | int | Decimal


def line_row(line: CostLine) -> list[Cell]:
    activity, attribution = line.activity, line.attribution
    chosen = attribution.override
    return [
        line.site, line.month, line.tariff_year, activity.visit.study, activity.visit.arm, activity.visit.visit,
        activity.name, activity.kind.value, activity.staff_role, activity.minutes, activity.tariff_code,
        line.occurrences, line.unit_cost, line.cost, line.category.label, attribution.reason,
        attribution.rule_category.label, attribution.rule_reason,
        chosen.by if chosen else "", chosen.at.isoformat() if chosen else "", chosen.justification if chosen else "",
        line.standard_care_cost, line.excess_treatment_cost, line.excess_treatment_saving,
    ]


def summary_row(total: SiteMonth) -> list[Cell]:
    return [
        total.site, total.month, *(total.by_category[c] for c in Category), total.total,
        total.excess_treatment_cost, total.excess_treatment_saving,
    ]
