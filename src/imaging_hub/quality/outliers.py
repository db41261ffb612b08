"""Series whose metrics stand out from the same scanner's series and from the project's: robust z-scores.

z = (value - median) / (1.4826 x MAD), the MAD scaled to estimate a standard deviation under normality
(scipy's ``median_abs_deviation(scale="normal")``); |z| above 3.5 is an outlier (Iglewicz and Hoaglin).
Series from one protocol on one scanner can agree so closely that the MAD is tiny and trivial differences
score high, so the scale is never below a floor: 2 % of the median, or an absolute floor for metrics that
sit near zero (ghosting, CT numbers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import median_abs_deviation

from imaging_hub.quality.results import QcRecord

OUTLIER_Z = 3.5
OUTLIER_METRICS = ("snr", "cnr", "noise_sd", "uniformity_percent", "ghosting_ratio", "ct_air_hu", "ct_water_hu",
                   "laplacian_variance", "coverage_mm")
_MIN_GROUP = 5  # fewer series than this make no distribution to stand out from
RELATIVE_FLOOR = 0.02
ABSOLUTE_FLOOR = {"ghosting_ratio": 0.0025, "ct_air_hu": 2.0, "ct_water_hu": 2.0}


@dataclass(frozen=True)
class Outlier:
    series_instance_uid: str
    metric: str
    value: float
    against: str  # "project" or "scanner"
    z: float

    def to_dict(self) -> dict[str, object]:
        return {"series_instance_uid": self.series_instance_uid, "metric": self.metric, "value": self.value,
                "against": self.against, "z": round(self.z, 2)}


def robust_z(values: Sequence[float], floor: float = 0.0) -> np.ndarray:
    """Robust z-scores of the values, the scale at least ``floor``; zeros when the scale is zero."""
    array = np.asarray(values, dtype=float)
    scale = max(float(median_abs_deviation(array, scale="normal")), floor)
    if scale == 0:
        return np.zeros_like(array)
    return (array - np.median(array)) / scale


def find_outliers(records: Iterable[QcRecord], metrics: Sequence[str] = OUTLIER_METRICS) -> list[Outlier]:
    """Outliers per metric, among series of the same modality: against the project, and the same scanner."""
    by_modality: dict[str, list[QcRecord]] = {}
    for record in records:
        by_modality.setdefault(record.modality, []).append(record)
    found: list[Outlier] = []
    for group in by_modality.values():
        found += _in_group(group, "project", metrics)
        by_scanner: dict[str, list[QcRecord]] = {}
        for record in group:
            by_scanner.setdefault(record.scanner_key, []).append(record)
        for scanner_group in by_scanner.values():
            found += _in_group(scanner_group, "scanner", metrics)
    return found


def _in_group(records: list[QcRecord], against: str, metrics: Sequence[str]) -> list[Outlier]:
    found: list[Outlier] = []
    for metric in metrics:
        measured = [(r, v) for r in records if (v := r.conformance.metrics.get(metric)) is not None]
        if len(measured) < _MIN_GROUP:
            continue
        values = [v for _, v in measured]
        floor = ABSOLUTE_FLOOR.get(metric, RELATIVE_FLOOR * abs(float(np.median(values))))
        scores = robust_z(values, floor)
        found += [Outlier(r.series_instance_uid, metric, v, against, float(z))
                  for (r, v), z in zip(measured, scores, strict=True) if abs(z) > OUTLIER_Z]
    return found
