"""The costs as an XLSX workbook: a Summary sheet (per site per month, by category) and a sheet per category.

Money cells hold numbers formatted as pounds; each sheet ends with a Total row of values, not formulas, so a
reader that does not calculate (openpyxl, a harvester) sees the same sums as a spreadsheet. No cell is a formula:
a typed name starting with "=" is stored as text, which openpyxl would otherwise write as a live formula (the
XLSX side of CSV injection; its CSV twin goes through ``imaging_hub.spreadsheet``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from imaging_hub.network.costs.acord import Category
from imaging_hub.network.costs.costing import CostReport
from imaging_hub.network.costs.money import ZERO
from imaging_hub.network.costs.tables_out import (
    LINE_COLUMNS,
    MONEY_COLUMNS,
    SUMMARY_COLUMNS,
    Cell,
    line_row,
    summary_row,
)

POUNDS = '"£"#,##0.00'
SUMMARY_SHEET = "Summary"


def write_workbook(report: CostReport, path: Path) -> None:
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook always has one sheet
    summary.title = SUMMARY_SHEET
    _fill(summary, SUMMARY_COLUMNS, [summary_row(t) for t in report.site_months()])
    for category in Category:
        sheet = book.create_sheet(category.label)
        _fill(sheet, LINE_COLUMNS, [line_row(line) for line in report.lines if line.category is category])
    book.save(path)


def _fill(sheet: Worksheet, header: Sequence[str], rows: list[list[Cell]]) -> None:
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money = [i for i, name in enumerate(header) if name in MONEY_COLUMNS]
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if cell.data_type == "f":  # openpyxl takes any text starting with "=" for a formula: here it is typed
                cell.data_type = "s"  # text (a name like =HYPERLINK(...)); XLSX says so by the cell's type
    totals: list[Cell] = ["Total", *[""] * (len(header) - 1)]
    for i in money:
        totals[i] = sum((row[i] for row in rows if isinstance(row[i], Decimal)), ZERO)
    sheet.append(totals)
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for i in money:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = POUNDS
    sheet.freeze_panes = "A2"
