"""Patient-clustered, site-stratified bootstrap: resample patients with replacement within each site.

Cases of one patient are correlated, so they are drawn together; drawing within sites keeps each site's weight.
Percentile intervals. A replicate that happens to hold one class is skipped and counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imaging_hub.assurance.validation.cases import CaseTable
from imaging_hub.assurance.validation.roc import rank_auc, roc_points
from imaging_hub.assurance.validation.threshold import Confusion

FPR_GRID = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class BootstrapResult:
    replicates: int
    seed: int
    used: int
    intervals: dict[str, tuple[float, float]]
    roc_band: tuple[NDArray[np.float64], NDArray[np.float64]]  # pointwise 2.5% and 97.5% TPR on FPR_GRID

    def to_json(self) -> dict[str, Any]:
        return {
            "replicates": self.replicates, "seed": self.seed, "replicates_used": self.used,
            "cluster": "patient_id", "strata": "site", "interval": "percentile, 95%",
            "ci": {k: [float(lo), float(hi)] for k, (lo, hi) in self.intervals.items()},
        }


@dataclass(frozen=True)
class Stratum:
    """One site's rows grouped by patient: patient k owns rows[starts[k]:starts[k] + sizes[k]]."""

    rows: NDArray[np.int_]
    starts: NDArray[np.int_]
    sizes: NDArray[np.int_]

    def draw(self, rng: np.random.Generator) -> NDArray[np.int_]:
        """Rows of as many patients as the site has, drawn with replacement."""
        chosen = rng.integers(0, len(self.sizes), len(self.sizes))
        sizes = self.sizes[chosen]
        within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return self.rows[np.repeat(self.starts[chosen], sizes) + within]


def strata_of(cases: CaseTable) -> list[Stratum]:
    strata = []
    for site in sorted(set(cases.site.tolist())):
        in_site = np.flatnonzero(cases.site == site)
        order = np.argsort(cases.patient_id[in_site], kind="stable")
        rows = in_site[order]
        _, starts, sizes = np.unique(cases.patient_id[rows], return_index=True, return_counts=True)
        strata.append(Stratum(rows, starts, sizes))
    return strata


def bootstrap(cases: CaseTable, threshold: float, replicates: int, seed: int, *,
              compare: Sequence[str] = (), prevalence: float | None = None) -> BootstrapResult:
    if replicates < 1:
        raise ValueError("bootstrap replicates must be at least 1")
    rng = np.random.default_rng(seed)
    strata = strata_of(cases)
    samples: dict[str, list[float]] = {}
    curves = []
    for _ in range(replicates):
        rows = np.concatenate([s.draw(rng) for s in strata])
        labels, scores = cases.label[rows], cases.score[rows]
        if labels.min() == labels.max():
            continue
        stats = _statistics(labels, scores, threshold, prevalence)
        for name in compare:
            stats[f"auc_difference:{name}"] = stats["auc"] - rank_auc(labels, cases.comparators[name][rows])
        for k, v in stats.items():
            samples.setdefault(k, []).append(v)
        fpr, tpr = roc_points(labels, scores)
        curves.append(np.interp(FPR_GRID, fpr, tpr))
    intervals = {k: _percentile_interval(v) for k, v in samples.items()}
    band = (np.percentile(curves, 2.5, axis=0), np.percentile(curves, 97.5, axis=0)) if curves else (
        np.full_like(FPR_GRID, np.nan), np.full_like(FPR_GRID, np.nan))
    return BootstrapResult(replicates, seed, len(curves), intervals, band)


def _percentile_interval(values: Sequence[float]) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the replicates where the statistic was defined; NaN for both when it
    never was (a PPV with no positive calls in any replicate), said as a value rather than a numpy warning."""
    defined = np.asarray(values, dtype=np.float64)
    defined = defined[~np.isnan(defined)]
    if defined.size == 0:
        return math.nan, math.nan
    return float(np.percentile(defined, 2.5)), float(np.percentile(defined, 97.5))


def _statistics(labels: NDArray[np.int_], scores: NDArray[np.float64], threshold: float,
                prevalence: float | None) -> dict[str, float]:
    c = Confusion.at(labels, scores, threshold)
    sens, spec = c.tp / (c.tp + c.fn), c.tn / (c.tn + c.fp)
    stats = {
        "auc": rank_auc(labels, scores), "sensitivity": sens, "specificity": spec,
        "ppv": c.tp / (c.tp + c.fp) if c.tp + c.fp else np.nan, "npv": c.tn / (c.tn + c.fn) if c.tn + c.fn else np.nan,
    }
    if prevalence is not None:
        p = prevalence
        stats["ppv_at_prevalence"] = _ratio(p * sens, p * sens + (1 - p) * (1 - spec))
        stats["npv_at_prevalence"] = _ratio((1 - p) * spec, (1 - p) * spec + p * (1 - sens))
    return stats


def _ratio(a: float, b: float) -> float:
    return a / b if b else np.nan


