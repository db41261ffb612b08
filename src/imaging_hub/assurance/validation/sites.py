"""Per-site performance and the random-effects pooling of site AUCs."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.stats.meta_analysis import combine_effects

from imaging_hub.assurance.estimate import Estimate
from imaging_hub.assurance.validation.cases import CaseTable
from imaging_hub.assurance.validation.delong import delong
from imaging_hub.assurance.validation.threshold import Confusion, wilson


@dataclass(frozen=True)
class SiteResult:
    n: int
    positives: int
    auc: Estimate
    auc_variance: float
    sensitivity: Estimate
    specificity: Estimate

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "positives": self.positives, "auc": self.auc.to_json(),
                "sensitivity": self.sensitivity.to_json(), "specificity": self.specificity.to_json()}


def site_results(cases: CaseTable, threshold: float) -> dict[str, SiteResult]:
    results = {}
    for site in sorted(set(cases.site.tolist())):
        part = cases.subset(cases.site == site)
        c = Confusion.at(part.label, part.score, threshold)
        positives = int(part.label.sum())
        if 0 < positives < len(part):
            d = delong(part.label, part.score)
            auc, variance = d.interval(), float(d.covariance[0, 0])
        else:  # a site with one class has no AUC
            auc, variance = Estimate.missing(), math.nan
        results[site] = SiteResult(len(part), positives, auc, variance, wilson(c.tp, c.tp + c.fn),
                                   wilson(c.tn, c.tn + c.fp))
    return results


def pool_sites(sites: dict[str, SiteResult]) -> dict[str, Any]:
    """DerSimonian-Laird random-effects pooling of site AUCs weighted by their DeLong variances, with I² and tau².

    Sites without an AUC, or with a zero variance (perfect separation), cannot be weighted and are left out; the
    output names them.
    """
    usable = {k: s for k, s in sites.items() if math.isfinite(s.auc_variance) and s.auc_variance > 0}
    excluded = sorted(set(sites) - set(usable))
    if len(usable) < 2:
        return {"estimate": None, "ci": [None, None], "i2": None, "tau2": None, "sites": sorted(usable),
                "excluded_sites": excluded, "method": "random effects (DerSimonian-Laird) needs two or more sites"}
    effects = np.array([s.auc.estimate for s in usable.values()])
    variances = np.array([s.auc_variance for s in usable.values()])
    with warnings.catch_warnings():
        # statsmodels also computes the Hartung-Knapp (WLS) row, whose variance can be negative with few sites
        # ("invalid value in sqrt"); that row is not used.
        warnings.simplefilter("ignore")
        result = combine_effects(effects, variances, method_re="chi2", row_names=list(usable))
        frame = result.summary_frame()
    row = frame.loc["random effect"]
    return {
        **Estimate(float(row["eff"]), float(row["ci_low"]), float(row["ci_upp"])).to_json(),
        "i2": float(result.i2), "tau2": float(result.tau2), "q": float(result.q), "sites": list(usable),
        "excluded_sites": excluded,
        "method": "random effects, DerSimonian-Laird (statsmodels combine_effects, method_re='chi2')",
    }
