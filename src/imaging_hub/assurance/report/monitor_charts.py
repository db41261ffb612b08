"""The CUSUM and EWMA charts of a monitoring run, drawn from the series kept in ``monitor.json``, so the report
and the tool's web page show the same pictures without re-running the stream."""

from __future__ import annotations

from typing import Any

from imaging_hub.assurance.report.charts import series_chart


def chart_series(doc: dict[str, Any], charts: dict[str, Any]) -> dict[str, Any]:
    """What ``monitor.json`` keeps to redraw the charts: the statistics over the labelled rows, limits, alarms."""
    return {
        "rows": charts["rows"],
        "cusum": charts["cusum"],
        "ewma": charts["ewma"],
        "h": doc["cusum"]["h"],
        "ucl": doc["ewma"]["ucl"],
        "baseline_error_rate": doc["baseline"]["error_rate"],
        "marks": {m: [a["index"] for a in doc["alarms"] if a["method"] == m] for m in ("cusum", "ewma")},
    }


def control_charts(series: dict[str, Any], svg: bool = False) -> dict[str, str]:
    """Data URIs (PNG, or SVG for the hub's pages) of the CUSUM and EWMA charts, with limits and alarm marks."""
    rows, marks = series["rows"], series["marks"]
    return {
        "cusum": series_chart(
            rows, {"CUSUM": series["cusum"]}, "CUSUM of errors", "statistic", {"h": series["h"]}, marks["cusum"], svg
        ),
        "ewma": series_chart(
            rows,
            {"EWMA error rate": series["ewma"]},
            "EWMA of the error rate",
            "error rate",
            {"limit": series["ucl"], "baseline": series["baseline_error_rate"]},
            marks["ewma"],
            svg,
        ),
    }
