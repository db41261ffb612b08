"""The capacity page's charts: research-session utilisation per scanner and week, and each scanner's research share."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from imaging_hub.network.capacity import UtilisationRow
from imaging_hub.web.network.svg import inline_svg, new_figure


def utilisation_chart(rows: Sequence[UtilisationRow]) -> Markup:
    weeks = sorted({r.week for r in rows})
    scanners = sorted({(r.site, r.scanner_id) for r in rows})
    figure = new_figure()
    axes = figure.subplots()
    width = 0.8 / max(1, len(scanners))
    for i, (site, scanner) in enumerate(scanners):
        values = [
            next((100 * r.utilisation for r in rows if r.scanner_id == scanner and r.week == w), 0.0) for w in weeks
        ]
        axes.bar([x + i * width for x in range(len(weeks))], values, width, label=f"{site} {scanner}")
    axes.set_xticks([x + width * (len(scanners) - 1) / 2 for x in range(len(weeks))], weeks)
    axes.set_ylabel("booked, % of research minutes")
    axes.set_ylim(0, 100)
    if scanners:
        axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        axes.text(0.5, 0.5, "no research sessions", transform=axes.transAxes, ha="center", color="grey")
    return inline_svg(figure, "Utilisation of research sessions per scanner and week")


def share_chart(rows: Sequence[UtilisationRow]) -> Markup:
    shares: dict[str, list[float]] = {}
    for r in rows:
        if r.research_share is not None:
            shares.setdefault(f"{r.site} {r.scanner_id}", []).append(100 * r.research_share)
    labels = sorted(shares)
    figure = new_figure(height=max(1.6, 0.5 * len(labels) + 0.8))
    axes = figure.subplots()
    axes.barh(labels, [sum(shares[k]) / len(shares[k]) for k in labels], color="#005eb8")
    axes.set_xlabel("research minutes, % of opening hours (mean per week)")
    if not labels:
        axes.text(0.5, 0.5, "no opening hours recorded", transform=axes.transAxes, ha="center", color="grey")
    return inline_svg(figure, "Research share of each scanner's opening hours")
