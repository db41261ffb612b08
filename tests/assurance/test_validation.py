"""Validation figures against values computed independently here (statsmodels, scipy, plain formulas)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint

from imaging_hub.assurance import AssuranceInputError, CaseTable, SubgroupRules, ValidationOptions, validate
from imaging_hub.assurance.validation import delong

from .cases import simulate


@pytest.fixture(scope="module")
def cases() -> CaseTable:
    return CaseTable.from_columns(simulate(), compare=["score_b"])


@pytest.fixture(scope="module")
def result(cases: CaseTable) -> dict:
    options = ValidationOptions(0.5, compare="score_b", prevalence=0.05, bootstrap_replicates=300, seed=7)
    return validate(cases, options).json


def test_operating_point_has_wilson_intervals(cases: CaseTable, result: dict) -> None:
    called = cases.score >= 0.5
    tp = int((called & (cases.label == 1)).sum())
    positives = int(cases.label.sum())
    assert result["sensitivity"]["estimate"] == pytest.approx(tp / positives)
    assert result["sensitivity"]["ci"] == pytest.approx(list(proportion_confint(tp, positives, method="wilson")))
    tn = int((~called & (cases.label == 0)).sum())
    assert result["npv"]["ci"] == pytest.approx(list(proportion_confint(tn, int((~called).sum()), method="wilson")))


def test_calibration_is_the_logistic_recalibration_fit(cases: CaseTable, result: dict) -> None:
    p = np.clip(cases.score, 1e-6, 1 - 1e-6)
    lp = np.log(p / (1 - p))
    fit = sm.Logit(cases.label, np.column_stack([np.ones_like(lp), lp])).fit(disp=0)
    assert result["calibration"]["slope"]["estimate"] == pytest.approx(fit.params[1], rel=1e-6)
    assert result["calibration"]["slope"]["ci"] == pytest.approx(list(fit.conf_int()[1]), rel=1e-6)
    in_the_large = sm.GLM(cases.label, np.ones((len(lp), 1)), family=sm.families.Binomial(), offset=lp).fit()
    assert result["calibration"]["intercept"]["estimate"] == pytest.approx(in_the_large.params[0], rel=1e-6)


def test_scores_of_exactly_zero_or_one_are_clipped_and_counted() -> None:
    columns = simulate(200)
    columns["score"][0], columns["score"][1] = "0", "1"
    out = validate(CaseTable.from_columns(columns), ValidationOptions(0.5)).json
    assert out["calibration"]["scores_clipped"] == 2
    assert out["calibration"]["slope"]["estimate"] is not None


def test_sites_and_dersimonian_laird_pooling(cases: CaseTable, result: dict) -> None:
    assert set(result["sites"]) == {"A", "B", "C"}
    assert sum(s["n"] for s in result["sites"].values()) == len(cases)
    effects, variances = [], []
    for site in "ABC":
        mask = cases.site == site
        d = delong(cases.label[mask], cases.score[mask])
        effects.append(d.auc[0])
        variances.append(d.covariance[0, 0])
    y, v = np.array(effects), np.array(variances)
    w = 1 / v
    fixed = np.sum(w * y) / w.sum()
    q = np.sum(w * (y - fixed) ** 2)
    tau2 = max(0.0, (q - 2) / (w.sum() - np.sum(w**2) / w.sum()))
    w_re = 1 / (v + tau2)
    pooled = np.sum(w_re * y) / w_re.sum()
    assert result["pooled"]["estimate"] == pytest.approx(pooled, rel=1e-9)
    assert result["pooled"]["tau2"] == pytest.approx(tau2, abs=1e-12)
    assert result["pooled"]["i2"] == pytest.approx(max(0.0, (q - 2) / q), abs=1e-9)
    half = 1.959964 / np.sqrt(w_re.sum())
    assert result["pooled"]["ci"] == pytest.approx([pooled - half, pooled + half], rel=1e-5)


def test_paired_comparison_is_reported(result: dict) -> None:
    comparison = result["comparison"]
    assert comparison["comparator"] == "score_b"
    assert comparison["auc_difference"]["estimate"] == pytest.approx(
        result["auc"]["estimate"] - comparison["comparator_auc"]["estimate"])
    assert 0.0 <= comparison["p_value"] <= 1.0


def test_ppv_at_a_deployment_prevalence(result: dict) -> None:
    sens, spec = result["sensitivity"]["estimate"], result["specificity"]["estimate"]
    expected = 0.05 * sens / (0.05 * sens + 0.95 * (1 - spec))
    at = result["at_prevalence"]
    assert at["ppv"]["estimate"] == pytest.approx(expected)
    assert at["ppv"]["ci"][0] < expected < at["ppv"]["ci"][1]
    assert at["ppv"]["estimate"] < result["ppv"]["estimate"]  # the sample's prevalence is about 50%


def test_subgroups_with_multiplicity_and_insufficient_levels() -> None:
    columns = simulate(600)
    del columns["score_b"]  # not named as a comparator, it would be read as one more subgroup column
    columns["scanner"] = ["rare" if i < 12 else ("X" if i % 2 else "Y") for i in range(600)]
    out = validate(CaseTable.from_columns(columns), ValidationOptions(0.5, subgroups=SubgroupRules(correction="bh"))
                   ).json["subgroups"]
    scanner = out["columns"]["scanner"]
    assert scanner["levels"]["rare"]["insufficient"] is True
    assert scanner["levels"]["rare"]["differences"] is None
    reference = scanner["reference"]
    other = "Y" if reference == "X" else "X"
    difference = scanner["levels"][other]["differences"]
    assert set(difference) == {"auc", "sensitivity", "specificity"}
    assert difference["auc"]["p_adjusted"] >= difference["auc"]["p_value"]
    assert out["multiplicity"]["method"] == "bh"
    ages = out["columns"]["age"]["levels"]
    assert len(ages) == 4 and all(level.startswith("[") for level in ages)  # numeric column cut at quartiles
    assert out["multiplicity"]["comparisons"] == 3 * (1 + 3 + 1)  # sex, age, scanner (rare not compared)


def test_bootstrap_is_recorded_and_reproducible(cases: CaseTable, result: dict) -> None:
    boot = result["bootstrap"]
    assert boot["replicates"] == 300 and boot["seed"] == 7 and boot["cluster"] == "patient_id"
    low, high = boot["ci"]["auc"]
    assert low < result["auc"]["estimate"] < high
    assert "auc_difference:score_b" in boot["ci"] and "ppv_at_prevalence" in boot["ci"]
    again = validate(cases, ValidationOptions(0.5, compare="score_b", prevalence=0.05, bootstrap_replicates=300,
                                              seed=7)).json["bootstrap"]
    assert again == boot


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c.pop("site"), "missing column 'site'"),
    (lambda c: c["label"].__setitem__(3, "2"), "column 'label' must be 0 or 1 (data row 4)"),
    (lambda c: c["score"].__setitem__(9, "1.5"), "column 'score' must lie in 0..1 (data row 10)"),
    (lambda c: c["score"].__setitem__(9, "high"), "column 'score' is not a number in data row 10"),
    (lambda c: c.__setitem__("label", ["1"] * len(c["label"])), "single class"),
])
def test_bad_cases_are_refused_naming_the_column(change, message: str) -> None:
    columns = simulate(60)
    change(columns)
    with pytest.raises(AssuranceInputError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        CaseTable.from_columns(columns)


def test_worst_errors_are_the_wrong_side_cases_furthest_from_their_truth() -> None:
    columns = simulate(200, seed=5)
    result = validate(CaseTable.from_columns(columns), ValidationOptions(0.5)).json["worst_errors"]
    scored = [(abs(int(label) - float(score)), case, int(label)) for case, label, score
              in zip(columns["case_id"], columns["label"], columns["score"], strict=True)
              if (float(score) >= 0.5) != (label == "1")]
    expected = sorted(scored, key=lambda e: -e[0])[:6]
    assert [e["case_id"] for e in result] == [case for _, case, _ in expected]
    assert all(e["error"] == ("missed finding" if label else "false alarm")
               for e, (_, _, label) in zip(result, expected, strict=True))


def test_a_statistic_never_defined_in_the_bootstrap_has_no_interval_and_no_warning(cases: CaseTable) -> None:
    """A threshold above every score makes no positive call, so the PPV is undefined in every replicate."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = validate(cases, ValidationOptions(1.0, bootstrap_replicates=50, seed=3)).json
    assert all(np.isnan(out["bootstrap"]["ci"]["ppv"]))  # written as null (estimate._finite_values)
    low, high = out["bootstrap"]["ci"]["sensitivity"]
    assert low == high == 0.0  # defined, and the same in every replicate
