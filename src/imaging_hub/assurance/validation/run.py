"""One validation of an AI tool's scores against the reference standard: every figure validation.json holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sklearn.metrics import roc_curve

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.validation.bootstrap import FPR_GRID, BootstrapResult, bootstrap
from imaging_hub.assurance.validation.calibration import calibration, calibration_curve
from imaging_hub.assurance.validation.cases import CaseTable
from imaging_hub.assurance.validation.delong import delong, paired_comparison
from imaging_hub.assurance.validation.sites import pool_sites, site_results
from imaging_hub.assurance.validation.subgroups import SubgroupRules, subgroup_analysis
from imaging_hub.assurance.validation.threshold import Confusion, predictive_values_at, threshold_metrics
from imaging_hub.assurance.validation.worst_errors import worst_errors

# Without --bootstrap the ROC chart's band still comes from this many clustered replicates (seeded, stated).
CHART_BAND_REPLICATES = 200


@dataclass(frozen=True)
class ValidationOptions:
    threshold: float
    compare: str | None = None
    prevalence: float | None = None
    bootstrap_replicates: int | None = None
    seed: int = 0
    subgroups: SubgroupRules = field(default_factory=SubgroupRules)

    def check(self, cases: CaseTable) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise AssuranceInputError("threshold must lie in 0..1")
        if self.prevalence is not None and not 0.0 < self.prevalence < 1.0:
            raise AssuranceInputError("prevalence must lie strictly between 0 and 1")
        if self.compare is not None and self.compare not in cases.comparators:
            raise AssuranceInputError(f"comparator column {self.compare!r} was not read from the cases")
        if self.bootstrap_replicates is not None and self.bootstrap_replicates < 1:
            raise AssuranceInputError("bootstrap replicates must be at least 1")


@dataclass(frozen=True)
class Validation:
    """The result; ``json`` is what validation.json holds, the rest feeds the report's charts."""

    json: dict[str, Any]
    roc: dict[str, list[float]]
    roc_band: dict[str, Any]


def validate(cases: CaseTable, options: ValidationOptions) -> Validation:
    options.check(cases)
    compare = [options.compare] if options.compare else []
    d = delong(cases.label, cases.score, *(cases.comparators[c] for c in compare))
    confusion = Confusion.at(cases.label, cases.score, options.threshold)
    sites = site_results(cases, options.threshold)
    out: dict[str, Any] = {
        "n": len(cases), "positives": int(cases.label.sum()), "negatives": int(len(cases) - cases.label.sum()),
        "patients": len(set(cases.patient_id.tolist())), "threshold": options.threshold,
        "auc": {**d.interval(0).to_json(), "method": "DeLong, 95% on the AUC scale (as pROC's default)"},
        **{k: {**v.to_json(), "method": "Wilson"} for k, v in threshold_metrics(confusion).items()},
        "confusion": {"tp": confusion.tp, "fp": confusion.fp, "tn": confusion.tn, "fn": confusion.fn},
        "calibration": calibration(cases.label, cases.score).to_json(),
        "calibration_curve": calibration_curve(cases.label, cases.score),
        "sites": {k: v.to_json() for k, v in sites.items()},
        "pooled": pool_sites(sites),
        "subgroups": subgroup_analysis(cases, options.threshold, options.subgroups),
        "worst_errors": worst_errors(cases, options.threshold),
    }
    if options.compare:
        paired = paired_comparison(d, 0, 1)
        out["comparison"] = {
            "comparator": options.compare, "comparator_auc": d.interval(1).to_json(),
            "auc_difference": paired.auc_difference.to_json(), "p_value": paired.p_value, "z": paired.z,
            "method": "paired DeLong test, two-sided",
        }
    if options.prevalence is not None:
        at = predictive_values_at(confusion, options.prevalence)
        out["at_prevalence"] = {
            "prevalence": options.prevalence, **{k: v.to_json() for k, v in at.items()},
            "method": "Bayes' rule from sensitivity and specificity; logit intervals (Mercaldo et al. 2007)",
        }
    boot: BootstrapResult | None = None
    if options.bootstrap_replicates:
        boot = bootstrap(cases, options.threshold, options.bootstrap_replicates, options.seed, compare=compare,
                         prevalence=options.prevalence)
        out["bootstrap"] = boot.to_json()
    else:
        out["bootstrap"] = None
    band = boot or bootstrap(cases, options.threshold, CHART_BAND_REPLICATES, options.seed)
    fpr, tpr, _ = roc_curve(cases.label, cases.score)
    return Validation(
        out, {"fpr": fpr.tolist(), "tpr": tpr.tolist()},
        {"fpr": FPR_GRID.tolist(), "low": band.roc_band[0].tolist(), "high": band.roc_band[1].tolist(),
         "replicates": band.used, "seed": band.seed},
    )


