"""The cost lines and the per-site, per-month summary as CSV (money as pounds with two decimals)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from imaging_hub.network.costs.costing import CostReport
from imaging_hub.network.costs.tables_out import LINE_COLUMNS, SUMMARY_COLUMNS, Cell, line_row, summary_row


def write_lines_csv(report: CostReport, path: Path) -> None:
    _write(path, LINE_COLUMNS, [line_row(line) for line in report.lines])


def write_summary_csv(report: CostReport, path: Path) -> None:
    _write(path, SUMMARY_COLUMNS, [summary_row(total) for total in report.site_months()])


def _write(path: Path, header: Sequence[str], rows: list[list[Cell]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([[f"{v:.2f}" if isinstance(v, Decimal) else v for v in row] for row in rows])
