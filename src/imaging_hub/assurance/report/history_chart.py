"""The AUC of each validation of one AI tool, with its 95% CI, as an SVG data URI for the hub's pages (an image,
so the pages' content security policy, which refuses inline styles, does not strip the chart's own)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

from matplotlib.figure import Figure


def auc_history_svg(rows: Sequence[tuple[str, float, float, float]], threshold_auc: float | None = None) -> str:
    """``rows``: (label, AUC, low, high) oldest first."""
    figure = Figure(figsize=(6.0, 0.5 + 0.45 * max(len(rows), 1)))
    axes = figure.add_subplot()
    for y, (_, auc, low, high) in enumerate(rows):
        axes.plot([low, high], [y, y], color="#005eb8", linewidth=2)
        axes.plot([auc], [y], "o", color="#005eb8")
    axes.set_yticks(range(len(rows)), [label for label, *_ in rows])
    axes.set_xlim(0.5, 1.0)
    axes.set_xlabel("AUC (95% CI)")
    if threshold_auc is not None:
        axes.axvline(threshold_auc, color="#d5281b", linestyle="--", linewidth=1)
    axes.invert_yaxis()
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue().encode()).decode("ascii")
