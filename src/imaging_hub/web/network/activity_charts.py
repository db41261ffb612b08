"""The activity page's charts: activity per month for each site, and for each portfolio study."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from markupsafe import Markup

from imaging_hub.network.activity import SiteMonthActivity
from imaging_hub.web.network.svg import inline_svg, new_figure

MEASURES = (("scans", "#005eb8"), ("reads", "#007f3b"), ("recruited", "#ffb81c"))


def activity_chart(rows: Sequence[SiteMonthActivity], by: str, label: str) -> Markup:
    """A panel per site (``by="site"``) or study (``by="study"``): scans, reads and recruits per month, bars."""
    key: Callable[[SiteMonthActivity], str] = (lambda r: r.site) if by == "site" else (lambda r: r.study.iras_id)
    groups: dict[str, list[SiteMonthActivity]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    names = sorted(groups) or ["none"]
    figure = new_figure(height=max(2.0, 1.9 * len(names)))
    panels = figure.subplots(len(names), 1, squeeze=False)[:, 0]
    for axes, name in zip(panels, names, strict=True):
        months = sorted({r.month for r in groups.get(name, [])})
        totals = {m: dict.fromkeys(("scans", "reads", "recruited"), 0) for m in months}
        for row in groups.get(name, []):
            totals[row.month]["scans"] += sum(row.scans.values())
            totals[row.month]["reads"] += row.reads
            totals[row.month]["recruited"] += row.recruited
        width = 0.27
        for i, (measure, colour) in enumerate(MEASURES):
            axes.bar(
                [x + (i - 1) * width for x in range(len(months))],
                [totals[m][measure] for m in months],
                width,
                color=colour,
                label=measure,
            )
        axes.set_xticks(range(len(months)), months, fontsize="small")
        axes.set_title(f"{by} {name}", fontsize="small", loc="left")
        if not months:
            axes.text(0.5, 0.5, "no activity yet", transform=axes.transAxes, ha="center", color="grey")
    if rows:
        panels[0].legend(fontsize="small", loc="upper right")
    return inline_svg(figure, label)
