"""The costs CSVs defuse typed names a spreadsheet would run as a formula, money stays a number; the workbook
holds such a name as text, never as a formula."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from costs_samples import SCHEDULE, write
from openpyxl import load_workbook

from imaging_hub.network.costs import (
    ActivityLog,
    Category,
    RecordedActivity,
    Tariffs,
    VisitKey,
    attribute,
    cost,
    override,
    read_schedule,
    read_tariff,
    write_lines_csv,
    write_summary_csv,
    write_workbook,
)

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
BASELINE = VisitKey("WBM-1", "mri", "baseline")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("typed", HOSTILE)
def test_typed_names_come_out_defused_and_money_unchanged(inputs: dict[str, Path], tmp_path: Path,
                                                          typed: str) -> None:
    # The activity name and staff role as an administrator typed them; the file is quoted so \t and \r survive.
    quoted = '"' + typed.replace('"', '""') + '"'
    schedule_csv = write(tmp_path, "hostile.csv", SCHEDULE.replace(
        "consent,consent,research radiographer", f"{quoted},consent,{quoted}"))
    schedule = read_schedule(schedule_csv)
    mri = schedule.activity(BASELINE, "whole-body MRI")
    assert mri is not None
    moved = override(attribute(mri), Category.NHS_SUPPORT, by=typed, at=datetime(2025, 6, 2, tzinfo=UTC),
                     justification=typed)
    log = ActivityLog("activity", (RecordedActivity(typed, "2025-06", BASELINE, 2),))
    report = cost(schedule, Tariffs([read_tariff(inputs["tariff"])]), log, {mri: moved})
    write_lines_csv(report, tmp_path / "lines.csv")
    write_summary_csv(report, tmp_path / "summary.csv")
    lines = _rows(tmp_path / "lines.csv")
    consent = next(r for r in lines if r["tariff_code"] == "B6-HOUR" and r["minutes"] == "20")
    assert consent["activity"] == consent["staff_role"] == "'" + typed.strip()  # the reader trims a name
    assert consent["site"] == "'" + typed
    assert not any(cell.startswith(tuple("=+-@\t\r")) for row in lines for cell in row.values())
    assert (consent["unit_cost"], consent["cost"], consent["occurrences"]) == ("12.33", "24.66", "2")
    scanned = next(r for r in lines if r["activity"] == "whole-body MRI")
    assert scanned["override_by"] == scanned["override_justification"] == "'" + typed.strip()
    (summary,) = _rows(tmp_path / "summary.csv")
    assert summary["site"] == "'" + typed and summary["total"] == str(report.site_months()[0].total)


def test_ordinary_names_and_money_are_unchanged(inputs: dict[str, Path], tmp_path: Path) -> None:
    log = ActivityLog("activity", (RecordedActivity("RGT", "2025-06", BASELINE, 1),))
    report = cost(read_schedule(inputs["schedule"]), Tariffs([read_tariff(inputs["tariff"])]), log)
    write_lines_csv(report, tmp_path / "lines.csv")
    consent = next(r for r in _rows(tmp_path / "lines.csv") if r["activity"] == "consent")
    assert (consent["site"], consent["staff_role"], consent["cost"]) == ("RGT", "research radiographer", "12.33")
    write_summary_csv(report, tmp_path / "summary.csv")
    (summary,) = _rows(tmp_path / "summary.csv")
    assert summary["total"] == "457.33" and summary["excess_treatment_saving"] == "0.00"


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x","y")', "=1+1"])
def test_the_workbook_holds_a_typed_formula_as_text(inputs: dict[str, Path], tmp_path: Path, typed: str) -> None:
    quoted = '"' + typed.replace('"', '""') + '"'
    schedule = read_schedule(write(tmp_path, "hostile.csv", SCHEDULE.replace("consent,consent,", f"{quoted},consent,")))
    log = ActivityLog("activity", (RecordedActivity(typed, "2025-06", BASELINE, 1),))
    write_workbook(cost(schedule, Tariffs([read_tariff(inputs["tariff"])]), log), tmp_path / "costs.xlsx")
    book = load_workbook(tmp_path / "costs.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    named = [cell for cell in cells if cell.value == typed]
    assert named and all(cell.data_type == "s" for cell in named)  # the site and the activity, as typed
    money = [cell.value for cell in book["Summary"]["C"][1:]]
    assert money and all(isinstance(value, (int, float)) for value in money)  # money is still numbers
