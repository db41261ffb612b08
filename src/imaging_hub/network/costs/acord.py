"""AcoRD attribution: which of the four cost categories an activity of a study falls in, and why.

The rule (Attributing the costs of health and social care Research and Development):

- not patient care → a Research cost: Part B if it is local co-ordination, data collection, regulatory
  preparation or investigator explanation time; otherwise Part A;
- patient care that would stop when the study stops → an NHS Support cost;
- patient care that would continue if the service carried on after the study → an NHS Treatment cost, whose
  excess over the standard care it replaces is the excess treatment cost (see ``costing``).

Every attribution carries its reason. A person may override the rule's category with a recorded justification;
the rule's category and reason stay alongside, so the override is always shown with the original.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from imaging_hub.network.costs.errors import CostsInputError, Problem
from imaging_hub.network.costs.schedule import PartBItem, ScheduledActivity


class Category(Enum):
    RESEARCH_PART_A = "research_part_a"
    RESEARCH_PART_B = "research_part_b"
    NHS_SUPPORT = "nhs_support"
    NHS_TREATMENT = "nhs_treatment"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Category.RESEARCH_PART_A: "Research Part A",
    Category.RESEARCH_PART_B: "Research Part B",
    Category.NHS_SUPPORT: "NHS Support",
    Category.NHS_TREATMENT: "NHS Treatment",
}
_PART_B_WORDS = {
    PartBItem.LOCAL_COORDINATION: "local co-ordination",
    PartBItem.DATA_COLLECTION: "data collection",
    PartBItem.REGULATORY_PREPARATION: "regulatory preparation",
    PartBItem.INVESTIGATOR_EXPLANATION: "investigator explanation time",
}


@dataclass(frozen=True)
class Override:
    """A person's decision to put an activity in another category: who, when, and why."""

    category: Category
    by: str
    at: datetime
    justification: str


@dataclass(frozen=True)
class Attribution:
    activity: ScheduledActivity
    rule_category: Category
    rule_reason: str
    override: Override | None = None

    @property
    def category(self) -> Category:
        return self.override.category if self.override else self.rule_category

    @property
    def reason(self) -> str:
        if self.override is None:
            return self.rule_reason
        return (f"Overridden to {self.override.category.label} by {self.override.by} on "
                f"{self.override.at.isoformat()}: {self.override.justification} "
                f"(the rule said {self.rule_category.label}: {self.rule_reason})")


def attribute(activity: ScheduledActivity) -> Attribution:
    """The AcoRD category of one scheduled activity, by the rule, with the reason in words."""
    if not activity.patient_care:
        if activity.part_b_item is not None:
            words = _PART_B_WORDS[activity.part_b_item]
            return Attribution(activity, Category.RESEARCH_PART_B,
                               f"Not patient care, so a Research cost; {words} is a Part B item.")
        return Attribution(activity, Category.RESEARCH_PART_A,
                           "Not patient care, so a Research cost; not local co-ordination, data collection, "
                           "regulatory preparation or investigator explanation time, so Part A.")
    if not activity.continues_after_study:
        return Attribution(activity, Category.NHS_SUPPORT,
                           "Patient care that would stop when the study stops, so an NHS Support cost.")
    treatment = "Patient care that would continue if the service carried on after the study, so an NHS Treatment cost"
    if activity.standard_care:
        why = "it is standard care the participant would have had anyway, so there is no excess treatment cost."
    elif activity.replaces_tariff_code is not None:
        why = ("its excess treatment cost is its cost less that of the standard care it replaces "
               f"(tariff {activity.replaces_tariff_code}).")
    else:
        why = "it replaces no standard care, so all of its cost is excess treatment cost."
    return Attribution(activity, Category.NHS_TREATMENT, f"{treatment}; {why}")


def override(attribution: Attribution, category: Category, *, by: str, at: datetime, justification: str) -> Attribution:
    """The attribution with a person's override recorded. Refused without a person, a timezone-aware time and a
    justification, or when the category is the one the rule already gives."""
    problems = []
    if not by.strip():
        problems.append(Problem("override", None, "by", "names no person"))
    if at.tzinfo is None:
        problems.append(Problem("override", None, "at", "needs a timezone (UTC offset)"))
    if not justification.strip():
        problems.append(Problem("override", None, "justification", "is empty: an override must say why"))
    if category is attribution.rule_category:
        problems.append(Problem("override", None, "category", "is the category the rule already gives"))
    if problems:
        raise CostsInputError(problems)
    return replace(attribution, override=Override(category, by.strip(), at, justification.strip()))
