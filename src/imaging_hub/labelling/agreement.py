"""Agreement between readers on a classification question, with libraries' statistics.

- Two readers: Cohen's kappa from scikit-learn, its 95% interval from statsmodels' ``cohens_kappa`` (the
  asymptotic standard error of Fleiss, Cohen and Everitt 1969); scikit-learn and statsmodels must agree on kappa.
- More: Fleiss' kappa from statsmodels over the studies read the same number of times, its 95% interval a
  percentile bootstrap over studies (scipy.stats.bootstrap, fixed seed so a report can be reproduced).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import bootstrap
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from imaging_hub.labelling.errors import LabellingError

BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class KappaEstimate:
    statistic: str  # "cohen" | "fleiss"
    kappa: float
    low: float  # 95% interval; nan when it cannot be estimated
    high: float
    subjects: int
    raters: int
    interval: str  # how the interval was made

    def to_json(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {"statistic": self.statistic, "kappa": num(self.kappa), "ci95": [num(self.low), num(self.high)],
                "subjects": self.subjects, "raters": self.raters, "interval": self.interval}


def cohen(first: Sequence[str], second: Sequence[str], categories: Sequence[str]) -> KappaEstimate:
    if len(first) != len(second):
        raise LabellingError("Cohen's kappa: the two readers' answers are not paired (different lengths)")
    if len(first) < 2:
        raise LabellingError("Cohen's kappa: needs at least two studies read by both readers")
    unknown = (set(first) | set(second)) - set(categories)
    if unknown:
        raise LabellingError(f"Cohen's kappa: answers {sorted(unknown)} are not categories of the question")
    with warnings.catch_warnings():  # one category only: kappa is undefined and both libraries say so
        warnings.simplefilter("ignore", RuntimeWarning)
        kappa = float(cohen_kappa_score(first, second, labels=list(categories)))
        table = confusion_matrix(first, second, labels=list(categories))
        result = cohens_kappa(table, return_results=True)
    if math.isfinite(kappa) and not math.isclose(kappa, float(result.kappa), abs_tol=1e-9):
        raise AssertionError("scikit-learn and statsmodels disagree on Cohen's kappa")
    # The Wald interval can run past kappa's range on few studies; kappa cannot exceed 1 or fall below -1.
    low, high = max(float(result.kappa_low), -1.0), min(float(result.kappa_upp), 1.0)
    return KappaEstimate("cohen", kappa, low, high, len(first), 2,
                         "asymptotic standard error (statsmodels cohens_kappa), clipped to [-1, 1]")


def fleiss(counts: NDArray[np.integer], *, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES) -> KappaEstimate:
    """``counts``: studies x categories, how many readers gave each category; every row sums to the same n."""
    table = np.asarray(counts, dtype=int)
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] < 2:
        raise LabellingError("Fleiss' kappa: needs a table of at least two studies and two categories")
    totals = table.sum(axis=1)
    if (totals != totals[0]).any() or totals[0] < 2:
        raise LabellingError("Fleiss' kappa: every study needs the same number (at least two) of reads")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        kappa = float(fleiss_kappa(table, method="fleiss"))

        def on(rows: NDArray[np.integer]) -> float:
            return float(fleiss_kappa(table[rows.astype(int)], method="fleiss"))

        low = high = math.nan
        if math.isfinite(kappa):
            ci = bootstrap((np.arange(len(table)),), on, vectorized=False, n_resamples=resamples,
                           method="percentile", random_state=np.random.default_rng(seed)).confidence_interval
            low, high = float(ci.low), float(ci.high)
    return KappaEstimate("fleiss", kappa, low, high, len(table), int(totals[0]),
                         f"percentile bootstrap over studies ({resamples} resamples, seed {seed})")
