"""Cost per site per month from recorded activity x schedule x tariff, and the excess treatment arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from costs_samples import write

from imaging_hub.network.costs import (
    ActivityLog,
    Category,
    CostsInputError,
    RecordedActivity,
    Tariffs,
    VisitKey,
    attribute,
    cost,
    override,
    read_activity,
    read_schedule,
    read_tariff,
)

A, B, SUPPORT, TREATMENT = (Category.RESEARCH_PART_A, Category.RESEARCH_PART_B, Category.NHS_SUPPORT,
                            Category.NHS_TREATMENT)
BASELINE = VisitKey("WBM-1", "mri", "baseline")


def D(text: str) -> Decimal:
    return Decimal(text)


def test_cost_per_site_per_month(inputs: dict[str, Path]) -> None:
    report = cost(read_schedule(inputs["schedule"]), Tariffs([read_tariff(inputs["tariff"])]),
                  read_activity(inputs["activity"]))
    totals = {(t.site, t.month): t for t in report.site_months()}
    assert list(totals) == [("RGT", "2025-04"), ("RGT", "2025-05"), ("RHM", "2025-04"), ("RHM", "2025-05")]
    # Three baseline visits: consent 20 min at £37/h is £12.33 (rounded once per occurrence), the case report
    # form 15 min £9.25; the read 30 min at £90/h £45 and the transfer £5.25; the extra CT £95.50; the MRI £250
    # and the routine radiograph £40, the MRI £70 over the CT it replaces.
    for key in [("RGT", "2025-04"), ("RGT", "2025-05")]:  # 3 visits, recorded once and as 1 + 2
        t = totals[key]
        assert t.by_category == {A: D("150.75"), B: D("64.74"), SUPPORT: D("286.50"), TREATMENT: D("870.00")}
        assert (t.excess_treatment_cost, t.excess_treatment_saving) == (D("210.00"), D("0.00"))
        assert t.total == D("1371.99")
    rhm_may = totals[("RHM", "2025-05")]  # two month-12 visits (2 reads each) and one baseline read on its own
    assert rhm_may.by_category == {A: D("225.00"), B: D("0.00"), SUPPORT: D("0.00"), TREATMENT: D("500.00")}
    assert rhm_may.excess_treatment_cost == D("140.00")
    assert report.category_total(B) == D("151.06")  # 7 baseline visits x (12.33 + 9.25)
    assert all(isinstance(line.cost, Decimal) for line in report.lines)


def test_each_month_uses_its_financial_years_tariff(inputs: dict[str, Path]) -> None:
    log = ActivityLog("activity", (
        RecordedActivity("RGT", "2025-03", BASELINE, 1, "whole-body MRI"),
        RecordedActivity("RGT", "2025-04", BASELINE, 1, "whole-body MRI"),
    ))
    tariffs = Tariffs([read_tariff(inputs["tariff"]), read_tariff(inputs["tariff_2024"])])
    march, april = cost(read_schedule(inputs["schedule"]), tariffs, log).lines
    assert (march.tariff_year, march.cost, march.excess_treatment_cost) == ("2024/25", D("240.00"), D("60.00"))
    assert (april.tariff_year, april.cost, april.excess_treatment_cost) == ("2025/26", D("250.00"), D("70.00"))


def test_a_month_without_its_years_tariff_is_refused(inputs: dict[str, Path]) -> None:
    log = ActivityLog("activity.csv", (RecordedActivity("RGT", "2026-04", BASELINE, 1, row=7),))
    with pytest.raises(CostsInputError) as refused:
        cost(read_schedule(inputs["schedule"]), Tariffs([read_tariff(inputs["tariff"])]), log)
    assert str(refused.value) == "activity.csv row 7, column 'month': falls in financial year 2026/27, for which " \
                                 "no tariff was given"


SAVING = (
    "study,arm,visit,activity,kind,staff_role,minutes,tariff_code,patient_care,continues_after_study,"
    "standard_care,replaces_tariff_code\n"
) + """S,a,v,cheaper scan,scan,radiographer,10,LDCT,yes,yes,no,CT-CHEST
S,a,v,new scan,scan,radiographer,10,MRI-WB,yes,yes,no,
S,a,v,standard scan,scan,radiographer,10,CXR,yes,yes,yes,
S,a,v,dearer scan,scan,radiographer,10,MRI-WB,yes,yes,no,CT-CHEST
"""


@pytest.mark.parametrize(
    ("activity", "treatment", "standard", "excess", "saving"),
    [
        ("dearer scan", "1000.00", "720.00", "280.00", "0.00"),  # 4 x (250 - 180)
        ("cheaper scan", "382.00", "720.00", "0.00", "338.00"),  # 4 x (180 - 95.50): a saving, not a negative cost
        ("standard scan", "160.00", "160.00", "0.00", "0.00"),  # standard care costs what it is
        ("new scan", "1000.00", "0.00", "1000.00", "0.00"),  # replaces nothing: excess in full
    ],
)
def test_excess_treatment_cost_is_treatment_less_standard_care_and_never_negative(
    tmp_path: Path, inputs: dict[str, Path], activity: str, treatment: str, standard: str, excess: str, saving: str
) -> None:
    schedule = read_schedule(write(tmp_path, "saving.csv", SAVING))
    log = ActivityLog("activity", (RecordedActivity("RGT", "2025-06", VisitKey("S", "a", "v"), 4, activity),))
    (line,) = cost(schedule, Tariffs([read_tariff(inputs["tariff"])]), log).lines
    assert line.category is TREATMENT
    assert (line.cost, line.standard_care_cost) == (D(treatment), D(standard))
    assert (line.excess_treatment_cost, line.excess_treatment_saving) == (D(excess), D(saving))
    assert line.cost - line.standard_care_cost == line.excess_treatment_cost - line.excess_treatment_saving


def test_an_override_moves_the_cost_and_its_excess_follows_the_category(inputs: dict[str, Path]) -> None:
    schedule = read_schedule(inputs["schedule"])
    mri = schedule.activity(BASELINE, "whole-body MRI")
    assert mri is not None
    moved = override(attribute(mri), SUPPORT, by="costs lead", at=datetime(2025, 6, 2, tzinfo=UTC),
                     justification="the MRI is not offered outside the study")
    log = ActivityLog("activity", (RecordedActivity("RGT", "2025-06", BASELINE, 2),))
    report = cost(schedule, Tariffs([read_tariff(inputs["tariff"])]), log, {mri: moved})
    (t,) = report.site_months()
    assert t.by_category[SUPPORT] == D("691.00")  # 2 x (95.50 + 250)
    assert t.by_category[TREATMENT] == D("80.00")  # only the routine radiograph
    assert t.excess_treatment_cost == D("0.00")
    line = next(line for line in report.lines if line.activity == mri)
    assert line.attribution.rule_category is TREATMENT and line.category is SUPPORT


def test_activity_naming_no_scheduled_visit_or_activity_is_refused(inputs: dict[str, Path]) -> None:
    log = ActivityLog("activity.csv", (
        RecordedActivity("RGT", "2025-06", VisitKey("WBM-1", "mri", "month-6"), 1, row=2),
        RecordedActivity("RGT", "2025-06", BASELINE, 1, "biopsy", row=3),
    ))
    with pytest.raises(CostsInputError) as refused:
        cost(read_schedule(inputs["schedule"]), Tariffs([read_tariff(inputs["tariff"])]), log)
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, "visit"), (3, "activity")]
