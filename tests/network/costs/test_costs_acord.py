"""The AcoRD rule, branch by branch, and a person's override recorded beside the rule's answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from imaging_hub.network.costs import (
    ActivityKind,
    Category,
    CostsInputError,
    PartBItem,
    ScheduledActivity,
    VisitKey,
    attribute,
    override,
)

RESEARCH = ScheduledActivity(
    visit=VisitKey("WBM-1", "mri", "baseline"), name="research read", kind=ActivityKind.RESEARCH_READ,
    staff_role="consultant radiologist", minutes=30, tariff_code="RAD-HOUR",
    patient_care=False, continues_after_study=False, standard_care=False,
)


def test_research_that_is_no_part_b_item_is_part_a() -> None:
    result = attribute(RESEARCH)
    assert result.category is Category.RESEARCH_PART_A
    assert "Not patient care" in result.reason and "Part A" in result.reason


@pytest.mark.parametrize(
    ("item", "words"),
    [
        (PartBItem.LOCAL_COORDINATION, "local co-ordination"),
        (PartBItem.DATA_COLLECTION, "data collection"),
        (PartBItem.REGULATORY_PREPARATION, "regulatory preparation"),
        (PartBItem.INVESTIGATOR_EXPLANATION, "investigator explanation time"),
    ],
)
def test_each_part_b_item_is_research_part_b(item: PartBItem, words: str) -> None:
    result = attribute(replace(RESEARCH, part_b_item=item))
    assert result.category is Category.RESEARCH_PART_B
    assert words in result.reason and "Part B" in result.reason


def test_patient_care_that_stops_with_the_study_is_nhs_support() -> None:
    extra_scan = replace(RESEARCH, kind=ActivityKind.SCAN, patient_care=True, continues_after_study=False)
    result = attribute(extra_scan)
    assert result.category is Category.NHS_SUPPORT
    assert "would stop" in result.reason


def test_patient_care_that_continues_is_nhs_treatment_with_its_reason() -> None:
    treatment = replace(RESEARCH, kind=ActivityKind.SCAN, patient_care=True, continues_after_study=True)
    new = attribute(replace(treatment, replaces_tariff_code="CT-CHEST"))
    standard = attribute(replace(treatment, standard_care=True))
    alone = attribute(treatment)
    assert {new.category, standard.category, alone.category} == {Category.NHS_TREATMENT}
    assert "CT-CHEST" in new.reason
    assert "standard care" in standard.reason and "no excess" in standard.reason
    assert "all of its cost is excess" in alone.reason


def test_an_override_keeps_who_when_why_and_the_original() -> None:
    at = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)
    ruled = attribute(RESEARCH)
    changed = override(ruled, Category.RESEARCH_PART_B, by="a.manager@nhs.example", at=at,
                       justification="read done by the local PI as part of data collection")
    assert changed.category is Category.RESEARCH_PART_B
    assert changed.rule_category is Category.RESEARCH_PART_A and changed.rule_reason == ruled.rule_reason
    assert changed.override is not None
    assert (changed.override.by, changed.override.at) == ("a.manager@nhs.example", at)
    assert "local PI" in changed.reason and "the rule said Research Part A" in changed.reason
    assert ruled.override is None  # the original attribution is untouched


@pytest.mark.parametrize(
    ("category", "by", "at", "justification", "column"),
    [
        (Category.NHS_SUPPORT, "someone", datetime(2025, 5, 1, tzinfo=UTC), "  ", "justification"),
        (Category.NHS_SUPPORT, "", datetime(2025, 5, 1, tzinfo=UTC), "why", "by"),
        (Category.NHS_SUPPORT, "someone", datetime(2025, 5, 1), "why", "at"),
        (Category.RESEARCH_PART_A, "someone", datetime(2025, 5, 1, tzinfo=UTC), "why", "category"),
    ],
)
def test_an_override_without_a_person_time_or_reason_is_refused(
    category: Category, by: str, at: datetime, justification: str, column: str
) -> None:
    with pytest.raises(CostsInputError) as refused:
        override(attribute(RESEARCH), category, by=by, at=at, justification=justification)
    assert [p.column for p in refused.value.problems] == [column]
