"""`imaging-hub costs attribute` as a network manager runs it: CSV, summary, XLSX and chart, or nothing at all."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from costs_samples import TARIFF_2025, write
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from imaging_hub.cli import app


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["costs", "attribute", *map(str, args)])
    return result.exit_code, result.output


def pounds(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_attribute_writes_lines_summary_workbook_and_chart(tmp_path: Path, inputs: dict[str, Path]) -> None:
    overrides = write(tmp_path, "overrides.csv", (
        "study,arm,visit,activity,category,by,at,justification\n"
        "WBM-1,mri,baseline,image transfer,research_part_b,costs lead,2025-05-01T10:00:00+01:00,"
        "\"sent by the local data manager, as data collection\"\n"
    ))
    out, summary, xlsx, chart = (tmp_path / n for n in ("costs.csv", "summary.csv", "costs.xlsx", "costs.png"))
    code, output = run(inputs["schedule"], inputs["activity"], "--tariff", inputs["tariff"], "--out", out,
                       "--summary", summary, "--xlsx", xlsx, "--chart", chart, "--overrides", overrides)
    assert code == 0, output
    assert "Research Part B: £187.81" in output  # 7 x (12.33 + 9.25), and 7 x 5.25 moved by the override

    with out.open(newline="") as f:
        lines = list(csv.DictReader(f))
    transfer = next(r for r in lines if r["activity"] == "image transfer")
    assert (transfer["category"], transfer["rule_category"]) == ("Research Part B", "Research Part A")
    assert transfer["override_by"] == "costs lead" and "local data manager" in transfer["override_justification"]
    assert transfer["override_at"] == "2025-05-01T10:00:00+01:00"
    mri = next(r for r in lines if r["activity"] == "whole-body MRI" and r["site"] == "RGT" and r["month"] == "2025-04")
    assert (mri["occurrences"], mri["unit_cost"], mri["cost"], mri["excess_treatment_cost"]) == \
        ("3", "250.00", "750.00", "210.00")
    assert all(r["reason"] for r in lines)

    with summary.open(newline="") as f:
        by_site_month = {(r["site"], r["month"]): r for r in csv.DictReader(f)}
    assert by_site_month[("RHM", "2025-04")]["total"] == "457.33"  # 50.25 + 21.58 + 95.50 + 290, less nothing

    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["Summary", "Research Part A", "Research Part B", "NHS Support", "NHS Treatment"]
    rows = list(book["Summary"].iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    grand = header.index("total")
    # 7 baseline visits x 457.33, and RHM's May: two month-12 visits and one extra read, 725
    assert sum(pounds(r[grand]) for r in body) == pounds(total[grand]) == Decimal("3926.31")
    for sheet in ("Research Part A", "Research Part B", "NHS Support", "NHS Treatment"):
        sheet_rows = list(book[sheet].iter_rows(values_only=True))
        column = sheet_rows[0].index("cost")
        assert sum(pounds(r[column]) for r in sheet_rows[1:-1]) == pounds(sheet_rows[-1][column])
        assert pounds(sheet_rows[-1][column]) == pounds(total[header.index(sheet)])
    treatment = list(book["NHS Treatment"].iter_rows(values_only=True))
    assert pounds(treatment[-1][treatment[0].index("excess_treatment_cost")]) == Decimal("630.00")  # 9 MRIs x 70
    book.close()

    with Image.open(chart) as image:
        assert image.format == "PNG" and image.size[0] > 500
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_bad_input_names_row_and_column_and_writes_nothing(tmp_path: Path, inputs: dict[str, Path]) -> None:
    tariff = write(tmp_path, "bad-tariff.csv", TARIFF_2025.replace("5.25", "five"))
    out, xlsx = tmp_path / "costs.csv", tmp_path / "costs.xlsx"
    code, output = run(inputs["schedule"], inputs["activity"], "--tariff", tariff, "--out", out, "--xlsx", xlsx)
    assert code == 1
    assert "bad-tariff.csv row 8, column 'price'" in output and "nothing was written" in output
    assert not out.exists() and not xlsx.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_an_output_that_cannot_be_written_leaves_no_other_behind(tmp_path: Path, inputs: dict[str, Path]) -> None:
    out = tmp_path / "costs.csv"
    code, output = run(inputs["schedule"], inputs["activity"], "--tariff", inputs["tariff"], "--out", out,
                       "--xlsx", tmp_path / "missing-folder" / "costs.xlsx")
    assert code == 1 and "Not written" in output
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_help_documents_every_column() -> None:
    result = CliRunner().invoke(app, ["costs", "attribute", "--help"], terminal_width=200)
    assert result.exit_code == 0
    flat = " ".join(result.output.split())
    from imaging_hub.network.costs import (
        ACTIVITY_COLUMNS,
        LINE_COLUMNS,
        OVERRIDE_COLUMNS,
        SCHEDULE_COLUMNS,
        SCHEDULE_OPTIONAL_COLUMNS,
        TARIFF_COLUMNS,
    )

    for column in (*SCHEDULE_COLUMNS, *SCHEDULE_OPTIONAL_COLUMNS, *ACTIVITY_COLUMNS, *TARIFF_COLUMNS,
                   *OVERRIDE_COLUMNS, *LINE_COLUMNS):
        assert column in flat, column
