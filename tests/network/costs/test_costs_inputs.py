"""Bad CSV is refused with every problem named by file, row and column, and never with the cell's value."""

from __future__ import annotations

from pathlib import Path

import pytest
from costs_samples import SCHEDULE, TARIFF_2025, write

from imaging_hub.network.costs import (
    CostsInputError,
    Tariffs,
    cost,
    read_activity,
    read_overrides,
    read_schedule,
    read_tariff,
)


def problems(error: pytest.ExceptionInfo[CostsInputError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in error.value.problems]


def test_tariff_rows_with_bad_cells_are_named(tmp_path: Path) -> None:
    bad = TARIFF_2025.replace("95.50", "95.505").replace("hour,37.00", "day,37.00").replace(
        "2025/26,XFER", "2025/27,XFER").replace("CXR,Chest radiograph", "MRI-WB,Chest radiograph")
    with pytest.raises(CostsInputError) as refused:
        read_tariff(write(tmp_path, "tariff.csv", bad))
    assert problems(refused) == [(4, "price"), (5, "code"), (7, "unit"), (8, "year")]
    assert "95.505" not in str(refused.value)
    assert "tariff.csv row 4, column 'price': expected pounds and pence" in str(refused.value)


def test_a_tariff_spanning_two_years_or_with_a_sign_is_refused(tmp_path: Path) -> None:
    two_years = TARIFF_2025 + "2024/25,OLD,Old scan,item,10.00\n"
    with pytest.raises(CostsInputError) as refused:
        read_tariff(write(tmp_path, "two.csv", two_years))
    assert problems(refused) == [(None, "year")]
    with pytest.raises(CostsInputError) as refused:
        read_tariff(write(tmp_path, "sign.csv", TARIFF_2025.replace("40.00", "-40.00")))
    assert problems(refused) == [(5, "price")]


def test_headers_missing_unknown_or_repeated_are_named(tmp_path: Path) -> None:
    header = "year,code,description,unit,cost,cost\n2025/26,X,x,item,1\n"
    with pytest.raises(CostsInputError) as refused:
        read_tariff(write(tmp_path, "tariff.csv", header))
    assert problems(refused) == [(1, "cost"), (1, "cost"), (1, "cost"), (1, "price")]
    messages = [p.message for p in refused.value.problems]
    assert messages == ["appears more than once", "is not a column this file has", "is not a column this file has",
                        "is missing"]


def test_schedule_contradictions_and_bad_cells_are_named(tmp_path: Path) -> None:
    rows = SCHEDULE.splitlines()
    rows[1] = rows[1].replace("consent,consent,", "consent,signature,")  # unknown kind
    rows[2] = rows[2].replace(",45,", ",forty,")  # minutes not a number
    rows[3] = rows[3].replace(",no,,no,,,", ",no,,yes,,,")  # standard care that is not patient care
    rows[5] = rows[5].replace("yes,no,no,,,", "yes,no,no,data collection,,")  # Part B on patient care
    rows[6] = rows[6].replace("yes,yes,yes", "yes,,yes")  # patient care must say whether it continues
    rows.append(rows[8])  # the same activity twice
    with pytest.raises(CostsInputError) as refused:
        read_schedule(write(tmp_path, "schedule.csv", "\n".join(rows) + "\n"))
    assert problems(refused) == [
        (2, "kind"), (3, "minutes"), (4, "standard_care"), (4, "standard_care"), (6, "part_b_item"),
        (7, "continues_after_study"), (11, "activity"),
    ]


def test_a_code_the_tariff_lacks_is_refused_when_costed(tmp_path: Path, inputs: dict[str, Path]) -> None:
    schedule = read_schedule(write(tmp_path, "schedule.csv", SCHEDULE.replace("LDCT", "LDCT-2")))
    with pytest.raises(CostsInputError) as refused:
        cost(schedule, Tariffs([read_tariff(inputs["tariff"])]), read_activity(inputs["activity"]))
    assert [str(p) for p in refused.value.problems] == [
        "schedule.csv row 6, column 'tariff_code': is not a code of the 2025/26 tariff"
    ]


def test_activity_with_bad_month_or_count_is_named(tmp_path: Path) -> None:
    text = ("site,month,study,arm,visit,count\n"
            "RGT,2025-13,S,a,v,1\nRGT,2025-05,S,a,v,-1\nRGT,2025-05,S,a,v,²\nRGT,2025-05,,a,v,1\n")
    with pytest.raises(CostsInputError) as refused:
        read_activity(write(tmp_path, "activity.csv", text))
    assert problems(refused) == [(2, "month"), (3, "count"), (4, "count"), (5, "study")]


def test_overrides_are_checked_against_the_schedule(tmp_path: Path, inputs: dict[str, Path]) -> None:
    text = (
        "study,arm,visit,activity,category,by,at,justification\n"
        "WBM-1,mri,baseline,biopsy,nhs_support,cl,2025-05-01T10:00:00+01:00,why\n"
        "WBM-1,mri,baseline,research read,Research Part B,cl,2025-05-01T10:00:00,why\n"
        "WBM-1,mri,baseline,research read,research_part_a,cl,2025-05-01T10:00:00+01:00,why\n"
        "WBM-1,mri,baseline,image transfer,research part b,cl,2025-05-01T10:00:00+01:00,\n"
        "WBM-1,mri,baseline,image transfer,Research Part B,cl,2025-05-01T10:00:00Z,local data collection\n"
    )
    with pytest.raises(CostsInputError) as refused:
        read_overrides(write(tmp_path, "overrides.csv", text), read_schedule(inputs["schedule"]))
    assert problems(refused) == [(2, "activity"), (3, "at"), (4, "category"), (5, "justification")]


def test_unreadable_and_empty_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CostsInputError, match=r"binary.csv: cannot be read as UTF-8"):
        read_tariff(tmp_path / "binary.csv")
    with pytest.raises(CostsInputError, match=r"empty.csv: has no tariff rows"):
        read_tariff(write(tmp_path, "empty.csv", "year,code,description,unit,price\n"))
