"""DeLong's nonparametric AUC variance and the paired test between two scores on the same cases.

Written here with numpy because no maintained Python library provides it (scikit-learn gives the AUC only;
statsmodels and scipy have no DeLong). This is the fast form: placement values from midranks (Sun & Xu, 2014)
instead of the O(m*n) pairwise kernel, which the tests use as their independent reference.
Intervals are on the AUC scale, clipped to [0, 1], as pROC's default ``ci.auc(method="delong")``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm, rankdata

from imaging_hub.assurance.estimate import Estimate

Z95 = float(norm.ppf(0.975))


@dataclass(frozen=True)
class DeLong:
    """AUCs of k scores on the same cases and the DeLong covariance of those AUCs."""

    auc: NDArray[np.float64]
    covariance: NDArray[np.float64]

    def interval(self, k: int = 0) -> Estimate:
        se = math.sqrt(max(self.covariance[k, k], 0.0))
        a = float(self.auc[k])
        return Estimate(a, max(0.0, a - Z95 * se), min(1.0, a + Z95 * se))


@dataclass(frozen=True)
class PairedComparison:
    auc_difference: Estimate
    z: float
    p_value: float


def delong(labels: NDArray[np.int_], *scores: NDArray[np.float64]) -> DeLong:
    """AUC and covariance for each score (ties count one half). Needs both classes present."""
    positive = labels == 1
    m, n = int(positive.sum()), int((~positive).sum())
    if m == 0 or n == 0:
        raise ValueError("DeLong needs positive and negative cases")
    k = len(scores)
    v10 = np.empty((k, m))  # each positive's share of negatives it outranks
    v01 = np.empty((k, n))  # each negative's share of positives that outrank it
    for i, score in enumerate(scores):
        pos, neg = score[positive], score[~positive]
        combined = rankdata(np.concatenate([pos, neg]))  # midranks
        v10[i] = (combined[:m] - rankdata(pos)) / n
        v01[i] = 1.0 - (combined[m:] - rankdata(neg)) / m
    auc = v10.mean(axis=1)
    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((k, k))
    s01 = np.atleast_2d(np.cov(v01)) if n > 1 else np.zeros((k, k))
    return DeLong(auc, s10 / m + s01 / n)


def paired_comparison(result: DeLong, first: int = 0, second: int = 1) -> PairedComparison:
    """Two-sided DeLong test of AUC(first) - AUC(second) on the same cases, with its 95% interval."""
    difference = float(result.auc[first] - result.auc[second])
    c = result.covariance
    variance = float(c[first, first] + c[second, second] - 2 * c[first, second])
    se = math.sqrt(max(variance, 0.0))
    if se == 0.0:
        p_value = 1.0 if difference == 0.0 else 0.0
        z = 0.0 if difference == 0.0 else math.copysign(math.inf, difference)
    else:
        z = difference / se
        p_value = float(2 * norm.sf(abs(z)))
    return PairedComparison(Estimate(difference, difference - Z95 * se, difference + Z95 * se), z, p_value)


def unpaired_difference(a: DeLong, b: DeLong) -> tuple[Estimate, float]:
    """AUC(a) - AUC(b) for disjoint groups of cases (e.g. two subgroup levels): variances add."""
    difference = float(a.auc[0] - b.auc[0])
    se = math.sqrt(max(float(a.covariance[0, 0] + b.covariance[0, 0]), 0.0))
    p_value = float(2 * norm.sf(abs(difference) / se)) if se > 0 else (1.0 if difference == 0 else 0.0)
    return Estimate(difference, difference - Z95 * se, difference + Z95 * se), p_value
