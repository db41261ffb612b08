"""The reporting dashboards' charts: median turnaround against target, and workload per reporter."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from imaging_hub.web.network.svg import inline_svg, new_figure
from imaging_hub.web.network.turnaround import TurnaroundRow, WorkloadRow


def turnaround_chart(rows: Sequence[TurnaroundRow]) -> Markup:
    shown = [r for r in rows if r.median_hours is not None]
    figure = new_figure(height=max(1.8, 0.45 * len(shown) + 1.0))
    axes = figure.subplots()
    labels = [f"{r.site} · {r.pathway}" for r in shown]
    # Each bar as a share of its own target, so a 1-hour and a 14-day pathway read on one axis.
    shares = [100 * (r.median_hours or 0) / r.target_hours for r in shown]
    colours = ["#d5281b" if s > 100 else "#007f3b" for s in shares]
    axes.barh(labels, shares, color=colours)
    axes.axvline(100, color="#212b32", linestyle="--", linewidth=1)
    axes.set_xlabel("median turnaround, % of the pathway's target (dashed: target)")
    if not shown:
        axes.text(0.5, 0.5, "no reports yet", transform=axes.transAxes, ha="center", color="grey")
    return inline_svg(figure, "Median turnaround against target per site and pathway")


def workload_chart(rows: Sequence[WorkloadRow]) -> Markup:
    figure = new_figure(height=max(1.8, 0.45 * len(rows) + 1.0))
    axes = figure.subplots()
    labels = [r.reporter_id for r in rows]
    axes.barh(labels, [r.workload for r in rows], color="#005eb8", label="weighted work in hand")
    axes.barh(labels, [r.stat_in_hand for r in rows], color="#d5281b", height=0.35, label="STAT in hand")
    axes.set_xlabel("work in hand (CT-equivalents)")
    if rows:
        axes.legend(fontsize="small", loc="lower right")
    return inline_svg(figure, "Workload per reporter")
