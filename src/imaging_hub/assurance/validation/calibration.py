"""Calibration: logistic recalibration of logit(score) against the labels, and a binned curve for the chart."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from numpy.typing import NDArray

from imaging_hub.assurance.estimate import Estimate
from imaging_hub.assurance.validation.threshold import wilson

# Scores of exactly 0 or 1 have an infinite logit; they are moved this far inside (0, 1) and counted.
CLIP = 1e-6


@dataclass(frozen=True)
class Calibration:
    slope: Estimate
    intercept: Estimate
    clipped: int
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"slope": self.slope.to_json(), "intercept": self.intercept.to_json(), "scores_clipped": self.clipped,
                "method": self.note}


def logit_of(scores: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
    clipped = np.clip(scores, CLIP, 1 - CLIP)
    return np.log(clipped / (1 - clipped)), int((clipped != scores).sum())


def calibration(labels: NDArray[np.int_], scores: NDArray[np.float64]) -> Calibration:
    """Slope: b in logit P(y) = a + b*logit(score). Intercept: calibration-in-the-large, a in
    logit P(y) = a + logit(score) (slope fixed at 1), the pair TRIPOD+AI asks for. Both with Wald 95% intervals."""
    lp, clipped = logit_of(scores)
    note = (f"logistic recalibration of logit(score) (statsmodels); scores clipped to [{CLIP}, {1 - CLIP}]; "
            "intercept is calibration-in-the-large (slope fixed at 1)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation and convergence are judged below, not printed
        try:
            fit = sm.Logit(labels, sm.add_constant(lp, has_constant="add")).fit(disp=0)
            itl = sm.GLM(labels, np.ones((len(lp), 1)), family=sm.families.Binomial(), offset=lp).fit()
        except (np.linalg.LinAlgError, ValueError) as exc:
            return Calibration(Estimate.missing(), Estimate.missing(), clipped, f"{note}; fit failed: {exc}")
    slope_ci = fit.conf_int(alpha=0.05)[1]
    itl_ci = itl.conf_int(alpha=0.05)[0]
    return Calibration(Estimate(float(fit.params[1]), float(slope_ci[0]), float(slope_ci[1])),
                       Estimate(float(itl.params[0]), float(itl_ci[0]), float(itl_ci[1])), clipped, note)


def calibration_curve(labels: NDArray[np.int_], scores: NDArray[np.float64], bins: int = 10
                      ) -> list[dict[str, Any]]:
    """Observed event rate (Wilson interval) against mean score in equal-count bins of the score."""
    order = np.argsort(scores, kind="stable")
    points = []
    for chunk in np.array_split(order, min(bins, len(order))):
        if len(chunk) == 0:
            continue
        observed = wilson(int(labels[chunk].sum()), len(chunk))
        points.append({"predicted": float(scores[chunk].mean()), "observed": observed.to_json(), "n": len(chunk)})
    return points
