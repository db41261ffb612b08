"""The cost lines and the per-site, per-month summary as CSV (money as pounds with two decimals).

Written through ``imaging_hub.spreadsheet``: typed text (study, arm, visit and activity names, justifications)
that would start a spreadsheet formula is defused, while money stays a number (a negative excess treatment
saving is written -12.50, not as text), so it is rounded as a ``Decimal`` rather than formatted as a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from imaging_hub.network.costs.costing import CostReport
from imaging_hub.network.costs.tables_out import LINE_COLUMNS, SUMMARY_COLUMNS, Cell, line_row, summary_row
from imaging_hub.spreadsheet import csv_writer

PENCE = Decimal("0.01")


def write_lines_csv(report: CostReport, path: Path) -> None:
    _write(path, LINE_COLUMNS, [line_row(line) for line in report.lines])


def write_summary_csv(report: CostReport, path: Path) -> None:
    _write(path, SUMMARY_COLUMNS, [summary_row(total) for total in report.site_months()])


def _write(path: Path, header: Sequence[str], rows: list[list[Cell]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out)
        writer.writerow(header)
        writer.writerows([[v.quantize(PENCE) if isinstance(v, Decimal) else v for v in row] for row in rows])
