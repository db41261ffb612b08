"""Sensitivity, specificity, PPV and NPV at the locked operating threshold, with Wilson intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from statsmodels.stats.proportion import proportion_confint

from imaging_hub.assurance.estimate import Estimate
from imaging_hub.assurance.validation.delong import Z95


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    tn: int
    fn: int

    @classmethod
    def at(cls, labels: NDArray[np.int_], scores: NDArray[np.float64], threshold: float) -> Confusion:
        """Scores at or above the threshold count as positive calls."""
        called = scores >= threshold
        positive = labels == 1
        return cls(int((called & positive).sum()), int((called & ~positive).sum()),
                   int((~called & ~positive).sum()), int((~called & positive).sum()))


def wilson(count: int, total: int) -> Estimate:
    if total == 0:
        return Estimate.missing()
    low, high = proportion_confint(count, total, alpha=0.05, method="wilson")
    return Estimate(count / total, float(low), float(high))


def threshold_metrics(c: Confusion) -> dict[str, Estimate]:
    return {
        "sensitivity": wilson(c.tp, c.tp + c.fn),
        "specificity": wilson(c.tn, c.tn + c.fp),
        "ppv": wilson(c.tp, c.tp + c.fp),
        "npv": wilson(c.tn, c.tn + c.fn),
    }


def predictive_values_at(c: Confusion, prevalence: float) -> dict[str, Estimate]:
    """PPV and NPV at a deployment prevalence by Bayes' rule from this sample's sensitivity and specificity.

    Intervals by the delta method on the logit scale (Mercaldo, Lau & Zhou, 2007), which treats the prevalence as
    known; a half is added to every cell when one is empty so the logit stays finite.
    """
    tp, fp, tn, fn = c.tp, c.fp, c.tn, c.fn
    if min(tp, fp, tn, fn) == 0:
        tp, fp, tn, fn = tp + 0.5, fp + 0.5, tn + 0.5, fn + 0.5  # type: ignore[assignment]
    n1, n0 = tp + fn, tn + fp
    sens, spec = tp / n1, tn / n0
    odds = prevalence / (1 - prevalence)
    logit_ppv = math.log(odds * sens / (1 - spec))
    se_ppv = math.sqrt((1 - sens) / (sens * n1) + spec / ((1 - spec) * n0))
    logit_npv = math.log(spec / (odds * (1 - sens)))
    se_npv = math.sqrt(sens / ((1 - sens) * n1) + (1 - spec) / (spec * n0))
    # Point estimates from the unadjusted counts where they are defined.
    s1 = c.tp / (c.tp + c.fn)
    s0 = c.tn / (c.tn + c.fp)
    ppv = prevalence * s1 / (prevalence * s1 + (1 - prevalence) * (1 - s0)) if s1 or s0 < 1 else math.nan
    npv = (1 - prevalence) * s0 / ((1 - prevalence) * s0 + prevalence * (1 - s1)) if s0 or s1 < 1 else math.nan
    return {
        "ppv": Estimate(ppv, _expit(logit_ppv - Z95 * se_ppv), _expit(logit_ppv + Z95 * se_ppv)),
        "npv": Estimate(npv, _expit(logit_npv - Z95 * se_npv), _expit(logit_npv + Z95 * se_npv)),
    }


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
