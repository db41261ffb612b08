"""``monitor`` over a CSV stream: assess, write monitor.json and monitor.html, then tell the webhook."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

from imaging_hub import __version__
from imaging_hub.assurance.estimate import json_document
from imaging_hub.assurance.files import write_together
from imaging_hub.assurance.monitoring import MonitorOptions, monitor, read_stream, send_alarms
from imaging_hub.assurance.report.charts import series_chart
from imaging_hub.assurance.report.monitor_charts import chart_series, control_charts
from imaging_hub.assurance.report.plain_language import monitoring_summary
from imaging_hub.assurance.report.render import render_html


def monitor_csv(path: Path, options: MonitorOptions, out: Path, webhook: str | None = None) -> dict[str, Any]:
    stream = read_stream(path)
    result = monitor(stream, options)
    source = {"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "software": __version__}
    document: dict[str, Any] = {"source": source, **result.json, "webhook": None}
    doc = result.json
    marks = {"drift": [a["index"] for a in doc["alarms"] if a["method"] == "drift"]}
    document["series"] = chart_series(doc, result.charts)
    charts: dict[str, str | None] = {**control_charts(document["series"]), "drift": None}
    columns = doc["drift"]["columns"]
    if columns and any(c["windows"] for c in columns.values()):
        first = next(iter(columns.values()))["windows"]
        charts["drift"] = series_chart(
            [w["index"] for w in first],
            {c: [-math.log10(max(w["p_value"], 1e-300)) for w in v["windows"]] for c, v in columns.items()},
            "Drift against the baseline", "-log10 p",
            {"alarm threshold": -math.log10(doc["drift"]["settings"]["per_test_threshold"])}, marks["drift"])
    html = render_html("monitor_report.html", m=doc, source=source, charts=charts, plain=monitoring_summary(doc))
    write_together(out, {"monitor.json": json_document(document),
                         "monitor.html": html.encode()})
    if webhook:
        # Delivery is recorded beside the report, so a failed POST is visible and can be retried.
        document["webhook"] = send_alarms(webhook, doc["alarms"], path.name)
        write_together(out, {"monitor.json": json_document(document)})
    return document
