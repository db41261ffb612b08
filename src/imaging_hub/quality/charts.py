"""The quality page's charts as SVG text: matplotlib on its own Figure (no pyplot state, safe in threads).

Text is drawn as paths (matplotlib's default), so site and scanner names from the data never become markup.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence

from matplotlib.figure import Figure

from imaging_hub.quality.drift import scanner_identity
from imaging_hub.quality.overview import QualityOverview, Rate
from imaging_hub.quality.research_dose import DrlComparison, ParticipantDose
from imaging_hub.quality.results import QcRecord

GREEN, RED, GREY, BLUE = "#007f3b", "#d5281b", "#768692", "#005eb8"


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # inline in the page: no XML prologue or doctype


def conformance_chart(overview: QualityOverview) -> str:
    """Conformance rate (%) per site (left) and per scanner (right)."""
    rows = max(len(overview.by_site), len(overview.by_scanner), 1)
    figure = Figure(figsize=(10, 1.4 + 0.4 * rows), layout="constrained")
    for axes, title, rates in zip(figure.subplots(1, 2), ("per site", "per scanner"),
                                  (overview.by_site, overview.by_scanner), strict=True):
        _rate_bars(axes, title, rates)
    return _svg(figure)


def _rate_bars(axes: object, title: str, rates: Sequence[Rate]) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    names = [_short(r.group) for r in rates]
    axes.barh(names, [r.percent for r in rates], color=[GREEN if r.percent == 100 else RED for r in rates])
    for i, r in enumerate(rates):
        axes.text(1, i, f"{r.conformant}/{r.series}", va="center", color="white", fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel("series conformant (%)")
    axes.set_title(f"Conformance {title}")
    axes.invert_yaxis()


def box_plots(records: Sequence[QcRecord], metric: str) -> str | None:
    """The metric's distribution per site, or None when no series has it."""
    by_site: dict[str, list[float]] = defaultdict(list)
    for record in records:
        value = record.conformance.metrics.get(metric)
        if value is not None:
            by_site[record.site or "unknown"].append(float(value))
    if not by_site:
        return None
    sites = sorted(by_site)
    figure = Figure(figsize=(5, 3), layout="constrained")
    axes = figure.subplots()
    axes.boxplot([by_site[s] for s in sites], tick_labels=[_short(s) for s in sites])
    axes.set_title(metric)
    axes.set_xlabel("site")
    return _svg(figure)


def drift_chart(records: Sequence[QcRecord], metric: str, *, first: Sequence[str] = (), limit: int = 6) -> str | None:
    """The metric over acquisition date, one panel per scanner, coloured by software version: the scanners in
    ``first`` (those with alerts), then those with most series, ``limit`` in all (the tests cover every one)."""
    by_scanner: dict[str, list[QcRecord]] = defaultdict(list)
    for record in records:
        if _date(record.acquired) is not None and record.conformance.metrics.get(metric) is not None:
            by_scanner[scanner_identity(record)].append(record)
    if not by_scanner:
        return None
    scanners = sorted(by_scanner, key=lambda k: (k not in first, -len(by_scanner[k]), k))[:limit]
    figure = Figure(figsize=(10, 2.6 * len(scanners)), layout="constrained")
    for axes, scanner in zip(figure.subplots(len(scanners), 1, squeeze=False)[:, 0], scanners, strict=True):
        by_software: dict[str, list[QcRecord]] = defaultdict(list)
        for record in by_scanner[scanner]:
            by_software[record.scanner.get("software", "?")].append(record)
        for software, found in sorted(by_software.items()):
            axes.plot([_date(r.acquired) for r in found], [r.conformance.metrics[metric] for r in found], "o",
                      label=f"software {_short(software, 20)}")
        axes.set_title(_short(scanner, 60))
        axes.set_ylabel(metric)
        axes.legend(loc="best", fontsize=8)
    return _svg(figure)


def dose_chart(doses: Sequence[ParticipantDose]) -> str | None:
    """How summed DLP per participant and timepoint is distributed, with the dose constraint as a line: a
    histogram, so the chart stays readable for thousands of participants (breaches are listed as alerts)."""
    if not doses:
        return None
    figure = Figure(figsize=(8, 3), layout="constrained")
    axes = figure.subplots()
    within = [d.dlp_mgy_cm for d in doses if not d.breach]
    above = [d.dlp_mgy_cm for d in doses if d.breach]
    bins = min(30, max(5, len(doses) // 4))
    axes.hist([within, above], bins=bins, stacked=True, color=[BLUE, RED],
              label=["within the constraint", "above the constraint"])
    constraint = doses[0].constraint_mgy_cm
    if constraint is not None:
        axes.axvline(constraint, color=RED, linestyle="--", label=f"dose constraint {constraint:g} mGy·cm")
    estimated = sum(not d.measured for d in doses)
    axes.set_xlabel(f"DLP per participant and timepoint (mGy·cm; {estimated} of {len(doses)} estimated from headers)")
    axes.set_ylabel("participant timepoints")
    axes.legend(loc="upper right", fontsize=8)
    return _svg(figure)


def drl_chart(comparisons: Sequence[DrlComparison], source: str) -> str | None:
    """Each series' CTDIvol per site beside the national DRL of its examination."""
    if not comparisons:
        return None
    examinations = sorted({c.level.examination for c in comparisons})
    figure = Figure(figsize=(5 * len(examinations), 3.2), layout="constrained")
    for axes, examination in zip(figure.subplots(1, len(examinations), squeeze=False)[0], examinations, strict=True):
        found = [c for c in comparisons if c.level.examination == examination]
        sites = sorted({c.site or "unknown" for c in found})
        for c in found:
            axes.plot(sites.index(c.site or "unknown"), c.ctdivol_mgy, "o", color=RED if c.above else BLUE)
        axes.axhline(found[0].level.ctdivol_mgy, color=GREY, linestyle="--", label="national DRL")
        axes.set_xticks(range(len(sites)), [_short(s) for s in sites])
        axes.set_ylabel("CTDIvol (mGy)")
        axes.set_title(f"{examination}: CTDIvol", fontsize=10)
        axes.legend(loc="best", fontsize=8)
    figure.suptitle(source, fontsize=8)
    return _svg(figure)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(value or "", "%Y%m%d").date()
    except ValueError:
        return None  # a date the data does not give properly: left off the time axis


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
