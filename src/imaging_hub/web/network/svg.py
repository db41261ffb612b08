"""A matplotlib figure as inline SVG: drawn on its own Figure (never pyplot's global state), scaled to its box."""

from __future__ import annotations

import io

from markupsafe import Markup
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure


def new_figure(width: float = 8.0, height: float = 3.6) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasSVG(figure)
    return figure


def inline_svg(figure: Figure, label: str) -> Markup:
    """The SVG element only (no XML prologue), with a title for screen readers and no fixed size."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    start = text.index("<svg")
    svg = text[start:]
    head_end = svg.index(">")
    head = svg[:head_end]
    for attribute in ("width", "height"):
        marker = f' {attribute}="'
        if marker in head:
            left = head.index(marker)
            right = head.index('"', left + len(marker)) + 1
            head = head[:left] + head[right:]
    title = Markup("<title>{}</title>").format(label)
    return Markup(f'{head} role="img" class="hub-chart">') + title + Markup(svg[head_end + 1 :])
