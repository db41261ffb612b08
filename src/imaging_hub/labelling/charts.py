"""Progress charts, PNG for the console and SVG for the pages: matplotlib on its own Figure (no pyplot state,
safe in a server's threads)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from imaging_hub.labelling.progress import Progress


def _figure(p: Progress) -> Figure:
    """Reads done and outstanding per reader (left) and per site (right), as horizontal stacked bars."""
    figure = Figure(figsize=(9, 1.2 + 0.35 * max(len(p.readers), len(p.sites), 1)), layout="constrained")
    by_reader, by_site = figure.subplots(1, 2)
    for axes, title, names, done, todo in (
        (by_reader, "per reader", list(p.readers), [t.done for t in p.readers.values()],
         [t.assigned - t.done for t in p.readers.values()]),
        (by_site, "per site", list(p.sites), [s.reads_done for s in p.sites.values()],
         [s.reads_needed - s.reads_done for s in p.sites.values()]),
    ):
        axes.barh(names, done, color="#007f3b", label="done")
        axes.barh(names, todo, left=done, color="#d8dde0", label="outstanding")
        axes.set_title(f"Task {p.task}: reads {title}")
        axes.set_xlabel("reads")
        axes.invert_yaxis()
    by_site.legend(loc="lower right")
    return figure


def progress_chart(p: Progress) -> bytes:
    buffer = io.BytesIO()
    _figure(p).savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def progress_svg(p: Progress) -> bytes:
    """The same chart as SVG, for the pages (it scales with the page)."""
    buffer = io.BytesIO()
    _figure(p).savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
