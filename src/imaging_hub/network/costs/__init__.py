"""Study costs: a SoECAT-style schedule of events, the annual tariff, AcoRD attribution, cost per site per month.

``attribute`` gives an activity's AcoRD category and the reason; ``override`` records a person's decision to
change it; ``cost`` prices recorded activity; the ``write_*`` functions export the result (CSV, XLSX, a chart).
Every reader raises ``CostsInputError`` naming each bad row and column. Importing this package loads neither
openpyxl nor matplotlib; the exports that need them import them when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from imaging_hub.network.costs.acord import Attribution, Category, Override, attribute, override
from imaging_hub.network.costs.costing import CostLine, CostReport, SiteMonth, cost
from imaging_hub.network.costs.csv_export import write_lines_csv, write_summary_csv
from imaging_hub.network.costs.errors import CostsInputError, Problem
from imaging_hub.network.costs.files import write_together
from imaging_hub.network.costs.money import parse_pounds, to_pence
from imaging_hub.network.costs.overrides import OVERRIDE_COLUMNS, read_overrides
from imaging_hub.network.costs.recorded import (
    ACTIVITY_COLUMNS,
    ACTIVITY_OPTIONAL_COLUMNS,
    ActivityLog,
    RecordedActivity,
    read_activity,
)
from imaging_hub.network.costs.schedule import (
    SCHEDULE_COLUMNS,
    SCHEDULE_OPTIONAL_COLUMNS,
    ActivityKind,
    PartBItem,
    Schedule,
    ScheduledActivity,
    VisitKey,
    read_schedule,
)
from imaging_hub.network.costs.tables_out import LINE_COLUMNS, SUMMARY_COLUMNS
from imaging_hub.network.costs.tariff import TARIFF_COLUMNS, Tariff, TariffItem, Tariffs, TariffUnit, read_tariff

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_workbook(report: CostReport, path: Path) -> None:
    """XLSX: a Summary sheet and a sheet per AcoRD category (see ``workbook``)."""
    from imaging_hub.network.costs.workbook import write_workbook as write

    write(report, path)


def cost_chart(report: CostReport) -> Figure:
    """A panel per AcoRD category: cost per month stacked by site, on its own Figure."""
    from imaging_hub.network.costs.chart import cost_chart as chart

    return chart(report)


def write_chart(report: CostReport, path: Path, image_format: str = "png") -> None:
    from imaging_hub.network.costs.chart import write_chart as write

    write(report, path, image_format)


__all__ = [
    "ACTIVITY_COLUMNS", "ACTIVITY_OPTIONAL_COLUMNS", "LINE_COLUMNS", "OVERRIDE_COLUMNS", "SCHEDULE_COLUMNS",
    "SCHEDULE_OPTIONAL_COLUMNS", "SUMMARY_COLUMNS", "TARIFF_COLUMNS", "ActivityKind", "ActivityLog", "Attribution",
    "Category", "CostLine", "CostReport", "CostsInputError", "Override", "PartBItem", "Problem", "RecordedActivity",
    "Schedule", "ScheduledActivity", "SiteMonth", "Tariff", "TariffItem", "TariffUnit", "Tariffs", "VisitKey",
    "attribute", "cost", "cost_chart", "override", "parse_pounds", "read_activity", "read_overrides",
    "read_schedule", "read_tariff", "to_pence", "write_chart", "write_lines_csv", "write_summary_csv",
    "write_together", "write_workbook",
]
