"""A chart per funder category: cost per month, stacked by site, one panel for each AcoRD category.

Drawn on its own ``Figure`` with the Agg canvas, never through pyplot, so it touches no process-wide state
and is safe in a server thread.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from imaging_hub.network.costs.acord import Category
from imaging_hub.network.costs.costing import CostReport


def cost_chart(report: CostReport) -> Figure:
    totals = report.site_months()
    months = sorted({t.month for t in totals})
    sites = sorted({t.site for t in totals})
    figure = Figure(figsize=(11, 7), layout="constrained")
    FigureCanvasAgg(figure)
    panels = figure.subplots(2, 2, sharex=True, squeeze=False).flatten()
    for axes, category in zip(panels, Category, strict=True):
        axes.set_title(category.label)
        axes.set_ylabel("£")
        base = [0.0] * len(months)
        for site in sites:
            # Floats only to draw: the money itself stays Decimal in every export.
            heights = [float(next((t.by_category[category] for t in totals if t.site == site and t.month == m), 0))
                       for m in months]
            axes.bar(months, heights, bottom=base, label=site)
            base = [b + h for b, h in zip(base, heights, strict=True)]
        if not any(base):
            axes.text(0.5, 0.5, "no costs", transform=axes.transAxes, ha="center", va="center", color="grey")
        axes.tick_params(axis="x", labelrotation=45)
    if sites:
        figure.legend(*panels[0].get_legend_handles_labels(), loc="outside right upper", title="Site")
    figure.suptitle("Cost per month by AcoRD category")
    return figure


def write_chart(report: CostReport, path: Path, image_format: str = "png") -> None:
    cost_chart(report).savefig(path, format=image_format, dpi=100)
