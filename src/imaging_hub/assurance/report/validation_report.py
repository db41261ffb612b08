"""The validation report: charts, tables, the reporting checklist and the plain-language summary."""

from __future__ import annotations

from typing import Any

from imaging_hub.assurance.report.charts import calibration_chart, forest_chart, roc_chart
from imaging_hub.assurance.report.plain_language import validation_summary
from imaging_hub.assurance.report.render import render_html
from imaging_hub.assurance.report.reporting_items import reporting_items


def validation_html(result: dict[str, Any], roc: dict[str, Any], band: dict[str, Any], source: dict[str, Any],
                    thumbnails: dict[str, str] | None = None) -> str:
    """``thumbnails``: case id to an image data URI, for the worst-error gallery when the cases come from the
    archive."""
    site_rows = [(f"{name} (n={s['n']})", s["auc"]["estimate"], *s["auc"]["ci"]) for name, s in result["sites"].items()]
    pooled = result["pooled"]
    if pooled.get("estimate") is not None:
        site_rows.append((f"Pooled (random effects, I² {100 * pooled['i2']:.0f}%)", pooled["estimate"], *pooled["ci"]))
    charts = {
        "roc": roc_chart(roc, band, result["auc"]),
        "calibration": calibration_chart(result["calibration_curve"]),
        "sites": forest_chart(site_rows, "AUC by site", reference=result["auc"]["estimate"]),
    }
    subgroup_rows = [(f"{column}: {level} (n={s['n']})", s["auc"]["estimate"], *s["auc"]["ci"])
                     for column, data in result["subgroups"]["columns"].items()
                     for level, s in data["levels"].items()]
    if subgroup_rows:
        charts["subgroups"] = forest_chart(subgroup_rows, "AUC by subgroup", reference=result["auc"]["estimate"])
    return render_html("validation_report.html", r=result, source=source, charts=charts, band=band,
                       items=reporting_items(result, source), plain=validation_summary(result),
                       thumbnails=thumbnails or {})
