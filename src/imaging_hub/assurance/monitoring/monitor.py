"""Monitoring after deployment: error-rate charts on labelled cases and drift on every case's metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.monitoring.cusum import design_cusum, run_cusum
from imaging_hub.assurance.monitoring.drift import DriftRules, detect_drift
from imaging_hub.assurance.monitoring.ewma import design_ewma, run_ewma
from imaging_hub.assurance.monitoring.stream import Stream

MIN_BASELINE_LABELS = 30


@dataclass(frozen=True)
class MonitorOptions:
    threshold: float
    baseline_rows: int
    arl0: float = 1000.0  # in-control cases between false alarms, for each chart
    cusum_shift: float = 2.0  # the CUSUM is tuned to detect the error rate multiplied by this
    ewma_lambda: float = 0.05
    drift: DriftRules = field(default_factory=DriftRules)


@dataclass(frozen=True)
class Monitoring:
    json: dict[str, Any]
    charts: dict[str, Any]  # series for the report


def monitor(stream: Stream, options: MonitorOptions) -> Monitoring:
    n = len(stream)
    if not 0 < options.baseline_rows < n:
        raise AssuranceInputError(f"baseline rows must be between 1 and {n - 1} (the stream has {n} rows)")
    if not 0.0 <= options.threshold <= 1.0:
        raise AssuranceInputError("threshold must lie in 0..1")
    labelled = ~np.isnan(stream.label)
    errors = ((stream.score >= options.threshold).astype(int) != np.nan_to_num(stream.label)).astype(int)
    base = labelled[:options.baseline_rows]
    if base.sum() < MIN_BASELINE_LABELS:
        raise AssuranceInputError(f"the baseline rows hold {int(base.sum())} labelled cases; "
                                  f"at least {MIN_BASELINE_LABELS} are needed to estimate the error rate")
    base_errors = int(errors[:options.baseline_rows][base].sum())
    # With no baseline error the rate is taken as half an error, so the charts can still be designed.
    p0 = max(base_errors, 0.5) / int(base.sum())

    cusum_design = design_cusum(p0, options.arl0, options.cusum_shift)
    ewma_design = design_ewma(p0, options.arl0, options.ewma_lambda)
    rows = np.flatnonzero(labelled)
    rows = rows[rows >= options.baseline_rows]
    cusum_stat, cusum_alarms = run_cusum(cusum_design, errors[rows])
    ewma_stat, ewma_alarms = run_ewma(ewma_design, errors[rows])

    alarms: list[dict[str, Any]] = []
    for method, positions, statistic, limit in (("cusum", cusum_alarms, cusum_stat, cusum_design.h),
                                                ("ewma", ewma_alarms, ewma_stat, ewma_design.limit)):
        for position in positions:
            index = int(rows[position])
            alarms.append({"method": method, "index": index, "date": stream.date[index],
                           "detail": f"error rate above the baseline {p0:.3f}: {method} statistic "
                                     f"{statistic[position]:.3f} > {limit:.3f}"})
    findings, drift = detect_drift(stream.metadata, options.baseline_rows, options.drift)
    for finding in findings:
        alarms.append({"method": "drift", "index": finding.index, "date": stream.date[finding.index],
                       "detail": finding.detail, "column": finding.column, "p_value": finding.p_value,
                       "psi": finding.psi})
    alarms.sort(key=lambda a: (a["index"], a["method"]))
    document = {
        "rows": n, "labelled": int(labelled.sum()), "threshold": options.threshold,
        "baseline": {"rows": options.baseline_rows, "labelled": int(base.sum()), "errors": base_errors,
                     "error_rate": p0},
        "performance_rows": len(rows), "cusum": cusum_design.to_json(), "ewma": ewma_design.to_json(),
        "drift": drift, "alarms": alarms,
    }
    charts = {"rows": rows.tolist(), "errors": errors[rows].tolist(), "cusum": cusum_stat.tolist(),
              "ewma": ewma_stat.tolist()}
    return Monitoring(document, charts)
