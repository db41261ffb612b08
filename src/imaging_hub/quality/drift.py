"""Drift of a scanner's QC metrics: has a distribution changed, e.g. after a software upgrade?

Per scanner (manufacturer, model, serial), the series are put in acquisition order and split where the
software version changes; each change is tested by comparing the metric's values before and after with the
two-sided Mann-Whitney U test (no normality assumed; QC metrics are skewed). A scanner with one software
version and enough series is also tested earlier half against later half. Many scanners x metrics x changes
are tested at once, so p-values are adjusted by Holm's method (family-wise error at ``alpha``), and only
adjusted p-values below it raise an alert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from imaging_hub.quality.results import QcRecord

DRIFT_METRICS = ("snr", "cnr", "noise_sd", "uniformity_percent", "ghosting_ratio", "ct_water_hu", "ct_air_hu",
                 "laplacian_variance")


@dataclass(frozen=True)
class DriftTest:
    scanner: str  # manufacturer | model | serial
    metric: str
    change: str  # e.g. "software 1.0 -> 2.0" or "earlier half -> later half"
    before: int  # how many series each side
    after: int
    median_before: float
    median_after: float
    p_value: float
    p_adjusted: float  # Holm
    alert: bool


def scanner_identity(record: QcRecord) -> str:
    return " | ".join(record.scanner.get(k, "?") for k in ("manufacturer", "model", "serial"))


def drift_tests(records: Sequence[QcRecord], *, metrics: Sequence[str] = DRIFT_METRICS, alpha: float = 0.05,
                min_each: int = 5) -> list[DriftTest]:
    """Every comparison with at least ``min_each`` series on each side, Holm-adjusted together."""
    from scipy.stats import mannwhitneyu
    from statsmodels.stats.multitest import multipletests

    by_scanner: dict[str, list[QcRecord]] = defaultdict(list)
    for record in records:
        if record.acquired:
            by_scanner[scanner_identity(record)].append(record)
    raw: list[tuple[str, str, str, list[float], list[float]]] = []
    for scanner, found in sorted(by_scanner.items()):
        found.sort(key=lambda r: (r.acquired or "", r.series_instance_uid))
        for metric in metrics:
            for change, before, after in _splits(found, metric):
                if len(before) >= min_each and len(after) >= min_each:
                    raw.append((scanner, metric, change, before, after))
    if not raw:
        return []
    p_values = [float(mannwhitneyu(before, after, alternative="two-sided").pvalue) for *_, before, after in raw]
    reject, adjusted, _, _ = multipletests(p_values, alpha=alpha, method="holm")
    return [DriftTest(scanner, metric, change, len(before), len(after), median(before), median(after), p,
                      float(p_adj), bool(flag))
            for (scanner, metric, change, before, after), p, p_adj, flag in zip(raw, p_values, adjusted, reject,
                                                                               strict=True)]


def _splits(ordered: list[QcRecord], metric: str) -> list[tuple[str, list[float], list[float]]]:
    segments: list[tuple[str, list[float]]] = []
    for record in ordered:
        value = record.conformance.metrics.get(metric)
        if value is None:
            continue
        software = record.scanner.get("software", "?")
        if not segments or segments[-1][0] != software:
            segments.append((software, []))
        segments[-1][1].append(float(value))
    if len(segments) == 1:
        values = segments[0][1]
        half = len(values) // 2
        return [("earlier half -> later half", values[:half], values[half:])]
    return [(f"software {a} -> {b}", before, after)
            for (a, before), (b, after) in pairwise(segments)]
