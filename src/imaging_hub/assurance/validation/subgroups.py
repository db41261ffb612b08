"""Performance per subgroup level and its difference from the reference level, corrected for multiplicity."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from imaging_hub.assurance.estimate import Estimate
from imaging_hub.assurance.validation.cases import CaseTable
from imaging_hub.assurance.validation.delong import delong, unpaired_difference
from imaging_hub.assurance.validation.threshold import Confusion, threshold_metrics

CORRECTIONS = {"holm": "holm", "bh": "fdr_bh"}


@dataclass(frozen=True)
class SubgroupRules:
    """Below these counts a level is reported but flagged ``insufficient`` and not compared."""

    min_cases: int = 30
    min_per_class: int = 5
    correction: str = "holm"  # or "bh" (Benjamini-Hochberg)
    numeric_bins: int = 4  # numeric columns (e.g. age) are cut at their quantiles


def levels_of(values: NDArray[np.str_], bins: int) -> NDArray[np.str_]:
    """Text levels as they are; a numeric column with many values becomes quantile bands like '[40, 60)'."""
    present = values[values != "missing"]
    try:
        numbers = present.astype(float)
    except ValueError:
        return values
    if len(set(numbers.tolist())) <= 10:
        return values
    edges = np.unique(np.quantile(numbers, np.linspace(0, 1, bins + 1)))
    out = values.astype(object)
    for i, value in enumerate(values):
        if value == "missing":
            continue
        j = min(int(np.searchsorted(edges, float(value), side="right")) - 1, len(edges) - 2)
        closing = "]" if j == len(edges) - 2 else ")"
        out[i] = f"[{edges[j]:g}, {edges[j + 1]:g}{closing}"
    return out.astype(str)


def subgroup_analysis(cases: CaseTable, threshold: float, rules: SubgroupRules) -> dict[str, Any]:
    if rules.correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {sorted(CORRECTIONS)}")
    columns: dict[str, Any] = {}
    tests: list[tuple[dict[str, Any], float]] = []  # each difference and its raw p-value, corrected together
    for column, raw in cases.subgroups.items():
        values = levels_of(raw, rules.numeric_bins)
        names, counts = np.unique(values, return_counts=True)
        reference = str(sorted(zip(-counts, names, strict=True))[0][1])  # the largest level
        levels = {str(name): _level(cases, values == name, threshold, rules) for name in names}
        ref = levels[reference]
        for name, level in levels.items():
            if name == reference or level["insufficient"] or ref["insufficient"]:
                level["differences"] = None
                continue
            level["differences"] = _differences(cases, values == name, values == reference, threshold)
            tests.extend((d, d["p_value"]) for d in level["differences"].values())
        for level in levels.values():
            level.pop("_delong", None)
        columns[column] = {"reference": reference, "levels": levels}
    if tests:
        reject, adjusted, _, _ = multipletests([p for _, p in tests], alpha=0.05, method=CORRECTIONS[rules.correction])
        for (d, _), p_adj, rej in zip(tests, adjusted, reject, strict=True):
            d["p_adjusted"], d["significant"] = float(p_adj), bool(rej)
    return {
        "columns": columns,
        "multiplicity": {"method": rules.correction, "comparisons": len(tests),
                         "family": "every difference (auc, sensitivity, specificity) in every column"},
        "rules": {"min_cases": rules.min_cases, "min_per_class": rules.min_per_class,
                  "reference_level": "the level with most cases"},
    }


def _level(cases: CaseTable, mask: NDArray[np.bool_], threshold: float, rules: SubgroupRules) -> dict[str, Any]:
    labels, scores = cases.label[mask], cases.score[mask]
    positives = int(labels.sum())
    negatives = len(labels) - positives
    auc = delong(labels, scores).interval() if positives and negatives else Estimate.missing()
    metrics = threshold_metrics(Confusion.at(labels, scores, threshold))
    return {
        "n": len(labels), "positives": positives, "negatives": negatives, "auc": auc.to_json(),
        **{k: v.to_json() for k, v in metrics.items()},
        "insufficient": len(labels) < rules.min_cases or min(positives, negatives) < rules.min_per_class,
    }


def _differences(cases: CaseTable, mask: NDArray[np.bool_], ref_mask: NDArray[np.bool_], threshold: float
                 ) -> dict[str, dict[str, Any]]:
    """Level minus reference: AUC by unpaired DeLong; sensitivity and specificity by the difference of two
    independent proportions (Newcombe interval, score test; statsmodels)."""
    a_lab, a_sc, r_lab, r_sc = cases.label[mask], cases.score[mask], cases.label[ref_mask], cases.score[ref_mask]
    auc, auc_p = unpaired_difference(delong(a_lab, a_sc), delong(r_lab, r_sc))
    out: dict[str, dict[str, Any]] = {"auc": {**auc.to_json(), "p_value": auc_p}}
    a, r = Confusion.at(a_lab, a_sc, threshold), Confusion.at(r_lab, r_sc, threshold)
    for name, (x1, n1, x2, n2) in {"sensitivity": (a.tp, a.tp + a.fn, r.tp, r.tp + r.fn),
                                   "specificity": (a.tn, a.tn + a.fp, r.tn, r.tn + r.fp)}.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # statsmodels also forms an odds ratio we do not use
            low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
            p = test_proportions_2indep(x1, n1, x2, n2, method="score", compare="diff").pvalue
        out[name] = {**Estimate(x1 / n1 - x2 / n2, float(low), float(high)).to_json(),
                     "p_value": float(p) if math.isfinite(p) else 1.0}
    return out
