"""Obuchowski-Rockette MRMC on a published study: the Van Dyke et al. (1993) cine vs spin-echo MRI reads (5 readers,
114 cases), against the output two independent programs published for it (provenance in tests/data/mrmc/README.md):

- IOWA: OR-DBM MRMC 2.51 (Schartz, Hillis, Pesce, Berbaum), trapezoidal AUC, jackknife covariances, as kept in
  RJafroc's inst/Iowa/VanDyke.txt (github.com/dpc10ster/RJafroc, commit 44b0e39e);
- MRMCAOV: MRMCaov (Smith, Hillis, Pesce), summary() of empirical_auc on its VanDyke data, jackknife in its README.md
  (github.com/brian-j-smith/MRMCaov, commit 26ed618, v0.1.9) and cov = DeLong in docs/jss/MRMCaov.tex (commit
  d79e49b).

Each expected value is the printed figure, compared to within half a unit of its last printed digit. Their
treatment "1" is the file's modality "0" (spin echo) and "2" is "1" (cine); they print 1 - 2, we report "1" - "0".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imaging_hub.assurance.readers import MrmcResult, obuchowski_rockette, read_reader_study

LRC = Path(__file__).parents[1] / "data" / "mrmc" / "VanDyke.lrc"


def printed(figure: str) -> Any:
    """The value a program printed as ``figure``: equal up to the rounding of its last digit."""
    decimals = len(figure.split(".")[1]) if "." in figure else 0
    return pytest.approx(float(figure), rel=0, abs=0.5 * 10.0**-decimals * 1.000001)


def lrc_to_long_csv(lrc: Path, out: Path) -> Path:
    """LABMRMC .lrc (title; reader id, modality names and 'L L' once; then per reader the normal cases' rows
    'rating_mod0 rating_mod1 case', '*', the abnormal cases' rows, '*'; '#' ends) to the hub's long CSV."""
    lines = [line.strip() for line in lrc.read_text().splitlines()]
    modalities = [name.strip('"') for name in lines[2].split()]
    rows, at = ["reader,case_id,modality,score,label"], 1
    while lines[at] != "#":
        reader = lines[at]
        at += 3 if at == 1 else 1
        for label in (0, 1):
            while lines[at] != "*":
                *ratings, case = lines[at].split()
                rows += [f"{reader},{case},{m},{r},{label}" for m, r in zip(modalities, ratings, strict=True)]
                at += 1
            at += 1
    out.write_text("\n".join(rows) + "\n")
    return out


@pytest.fixture(scope="module")
def van_dyke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, MrmcResult]:
    study = read_reader_study(lrc_to_long_csv(LRC, tmp_path_factory.mktemp("vandyke") / "reads.csv"), ("0", "1"))
    return {method: obuchowski_rockette(study, covariance=method) for method in ("jackknife", "delong")}


def test_the_study_is_the_published_one(van_dyke: dict[str, MrmcResult]) -> None:
    study = van_dyke["jackknife"].study
    # IOWA: "2 treatments, 5 readers, 114 cases (69 normal, 45 abnormal)"
    assert (len(study.modalities), len(study.readers), len(study.cases), int(study.truth.sum())) == (2, 5, 114, 45)


def test_reader_aucs_are_the_published_trapezoidal_areas(van_dyke: dict[str, MrmcResult]) -> None:
    # IOWA: TREATMENT x READER AUC ESTIMATES
    published = [["0.91964573", "0.85877617", "0.90386473", "0.97310789", "0.82979066"],
                 ["0.94782609", "0.90531401", "0.92173913", "0.99935588", "0.92995169"]]
    aucs = van_dyke["jackknife"].aucs
    for i, row in enumerate(published):
        for j, figure in enumerate(row):
            assert aucs[i, j] == printed(figure), (i, j)


def test_jackknife_analysis_matches_or_dbm_mrmc(van_dyke: dict[str, MrmcResult]) -> None:
    result = van_dyke["jackknife"]
    # IOWA: TREATMENT AUC MEANS; T x R ANOVA of AUCs; OR covariance estimates
    assert result.modality_auc["0"].estimate == printed("0.89703704")
    assert result.modality_auc["1"].estimate == printed("0.94083736")
    assert result.ms_t == printed("0.00479617") and result.ms_tr == printed("0.00055103")
    cov = result.covariances
    assert cov.var == printed("0.00080229") and cov.cov1 == printed("0.00034661")
    assert cov.cov2 == printed("0.00034407") and cov.cov3 == printed("0.00023903")
    # IOWA, Analysis 1 (random readers and cases) a): F 4.46, Pr > F 0.0517, error term 0.00107626 on 15.26 df
    assert result.f == printed("4.46") and result.p_value == printed("0.0517") and result.ddf == printed("15.26")
    # b) 1 - 2: -0.04380, StdErr 0.02075, 95% CI (-0.08796, 0.00036); ours is "1" - "0", so the CI flips sign
    comparison = result.comparisons[0]
    assert comparison.difference.estimate == printed("0.04380")
    assert (comparison.difference.low, comparison.difference.high) == (printed("-0.00036"), printed("0.08796"))
    assert comparison.p_value == printed("0.0517") and comparison.ddf == printed("15.26")
    # c) single-treatment CIs: (0.82522360, 0.96885048) and (0.89413783, 0.98753689)
    assert (result.modality_auc["0"].low, result.modality_auc["0"].high) == (printed("0.82522360"),
                                                                            printed("0.96885048"))
    assert (result.modality_auc["1"].low, result.modality_auc["1"].high) == (printed("0.89413783"),
                                                                            printed("0.98753689"))


def test_jackknife_analysis_matches_mrmcaov_to_more_digits(van_dyke: dict[str, MrmcResult]) -> None:
    result = van_dyke["jackknife"]
    # MRMCAOV README: ANOVA global test; pairwise difference 1 - 2
    assert result.f == printed("4.456319") and result.ddf == printed("15.25967")
    assert result.p_value == printed("0.05166569")
    assert result.ms_t == printed("0.004796171") and result.ms_tr == printed("0.0005510306")
    assert result.covariances.cov2 == printed("0.0003440748") and result.covariances.cov3 == printed("0.0002390284")
    difference = result.comparisons[0].difference
    assert difference.estimate == printed("0.04380032")
    assert difference.low == printed("-0.0003588544") and difference.high == printed("0.0879594986")
    # single treatments: 0.8252236 - 0.9688505 and 0.8941378 - 0.9875369
    assert result.modality_auc["0"].low == printed("0.8252236") and result.modality_auc["0"].high == printed(
        "0.9688505")
    assert result.modality_auc["1"].low == printed("0.8941378") and result.modality_auc["1"].high == printed(
        "0.9875369")


def test_delong_analysis_matches_mrmcaov(van_dyke: dict[str, MrmcResult]) -> None:
    result = van_dyke["delong"]
    # MRMCAOV JSS manuscript, "Covariance method: DeLong": OR estimates, global test, difference, single treatments
    cov = result.covariances
    assert cov.var == printed("0.0007921325") and cov.cov1 == printed("0.0003420090")
    assert cov.cov2 == printed("0.0003395265") and cov.cov3 == printed("0.0002358497")
    assert result.f == printed("4.484854") and result.ddf == printed("15.06611")
    assert result.p_value == printed("0.05123303")
    difference = result.comparisons[0].difference
    assert difference.low == printed("-0.0002665519") and difference.high == printed("0.0878671960")
    assert (result.modality_auc["0"].low, result.modality_auc["0"].high) == (printed("0.8253461"),
                                                                            printed("0.9687280"))
    assert (result.modality_auc["1"].low, result.modality_auc["1"].high) == (printed("0.8942155"),
                                                                            printed("0.9874592"))
