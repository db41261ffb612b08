"""Charts for the reports, as PNG data URIs so an HTML report stands alone and WeasyPrint embeds them.

Each function draws on its own Figure with an Agg canvas, so nothing changes matplotlib's global backend.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from imaging_hub.assurance.estimate import described


def _figure(width: float = 5.5, height: float = 4.0) -> Figure:
    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def data_uri(figure: Figure, svg: bool = False) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg" if svg else "png")
    kind = "svg+xml" if svg else "png"  # SVG for the hub's pages; PNG keeps the reports' PDF rendering simple
    return f"data:image/{kind};base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def roc_chart(roc: dict[str, list[float]], band: dict[str, Any], auc: dict[str, Any]) -> str:
    figure = _figure(4.6, 4.4)
    ax = figure.add_subplot()
    ax.fill_between(band["fpr"], band["low"], band["high"], color="#005eb8", alpha=0.2,
                    label=f"95% band ({band['replicates']} clustered bootstrap replicates)")
    ax.plot(roc["fpr"], roc["tpr"], color="#005eb8", label=f"AUC {described(auc)}")
    ax.plot([0, 1], [0, 1], ls=":", color="grey")
    ax.set(xlabel="1 - specificity", ylabel="sensitivity", xlim=(0, 1), ylim=(0, 1), title="ROC curve")
    ax.legend(loc="lower right", fontsize=8)
    return data_uri(figure)


def calibration_chart(curve: Sequence[dict[str, Any]]) -> str:
    figure = _figure(4.6, 4.4)
    ax = figure.add_subplot()
    x = [p["predicted"] for p in curve]
    y = [p["observed"]["estimate"] for p in curve]
    errors = [[v - p["observed"]["ci"][0] for v, p in zip(y, curve, strict=True)],
              [p["observed"]["ci"][1] - v for v, p in zip(y, curve, strict=True)]]
    ax.errorbar(x, y, yerr=errors, fmt="o", color="#005eb8", capsize=3, label="observed (Wilson 95%)")
    ax.plot([0, 1], [0, 1], ls=":", color="grey", label="perfect calibration")
    ax.set(xlabel="mean score in group", ylabel="observed proportion positive", xlim=(0, 1), ylim=(0, 1),
           title="Calibration (equal-count groups)")
    ax.legend(loc="upper left", fontsize=8)
    return data_uri(figure)


def forest_chart(rows: Sequence[tuple[str, float | None, float | None, float | None]], title: str,
                 xlabel: str = "AUC", reference: float | None = None) -> str:
    """rows: (label, estimate, low, high); a row without an estimate is drawn as text only."""
    figure = _figure(6.0, 0.9 + 0.32 * max(len(rows), 1))
    ax = figure.add_subplot()
    for i, (label, estimate, low, high) in enumerate(reversed(rows)):
        if estimate is None or low is None or high is None:
            ax.text(0.5, i, "not estimable", va="center", ha="center", fontsize=8, color="grey",
                    transform=ax.get_yaxis_transform())
            continue
        bold = label.startswith("Pooled")
        ax.errorbar([estimate], [i], xerr=[[estimate - low], [high - estimate]], fmt="D" if bold else "s",
                    color="#330072" if bold else "#005eb8", capsize=3)
    ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)], fontsize=8)
    if reference is not None:
        ax.axvline(reference, ls=":", color="grey")
    ax.set(xlabel=xlabel, title=title, ylim=(-0.7, len(rows) - 0.3))
    return data_uri(figure)


def series_chart(x: Sequence[int], series: dict[str, Sequence[float]], title: str, ylabel: str,
                 limits: dict[str, float] | None = None, marks: Sequence[int] = (), svg: bool = False) -> str:
    """Lines over the stream's row index, with horizontal control limits and vertical alarm marks."""
    figure = _figure(7.0, 3.0)
    ax = figure.add_subplot()
    for name, values in series.items():
        ax.plot(x, values, lw=1, label=name)
    for name, value in (limits or {}).items():
        ax.axhline(value, ls="--", color="#d5281b", lw=1, label=name)
    for i, mark in enumerate(marks):
        ax.axvline(mark, color="#d5281b", alpha=0.5, lw=1, label="alarm" if i == 0 else None)
    ax.set(xlabel="row of the stream", ylabel=ylabel, title=title)
    ax.legend(loc="upper left", fontsize=7)
    return data_uri(figure, svg)
