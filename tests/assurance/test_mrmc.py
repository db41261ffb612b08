"""Obuchowski-Rockette MRMC against independent computations written here: scikit-learn's AUC per reader, the
DBM analysis of normalised jackknife pseudovalues (a three-way ANOVA whose F and Hillis ddf equal OR's with
jackknife covariances, Hillis et al. 2005), and the package's DeLong covariance for the DeLong option."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from imaging_hub.assurance import AssuranceInputError, delong
from imaging_hub.assurance.readers import ReaderStudy, obuchowski_rockette, read_reader_study, reader_feedback


def simulate(readers: int = 5, cases: int = 80, effect: float = 0.6, seed: int = 3) -> ReaderStudy:
    """Roe-Metz-like ratings: a case's difficulty and a reader's skill shared across modalities, plus noise."""
    rng = np.random.default_rng(seed)
    truth = (rng.random(cases) < 0.4).astype(int)
    truth[:2], truth[2:4] = 1, 0
    case_effect = rng.normal(0, 0.8, cases)
    scores = np.empty((2, readers, cases))
    for i, j in product(range(2), range(readers)):
        skill = 1.0 + 0.3 * rng.normal() + effect * i
        scores[i, j] = truth * skill + case_effect + rng.normal(0, 0.8, cases)
    scores = np.round(scores, 1)  # ratings with ties, as readers give
    return ReaderStudy(("without AI", "with AI"), tuple(f"reader{j}@example.nhs.uk" for j in range(readers)),
                       tuple(f"C{k:03d}" for k in range(cases)), scores, truth)


def dbm(study: ReaderStudy) -> tuple[float, float, float, float]:
    """DBM: pseudovalues Y_ijk = c*A_ij - (c-1)*A_ij(-k), normalised to the AUC means; F, ddf, MS(T), MS(TR)."""
    t, r, c = study.scores.shape
    y = np.empty((t, r, c))
    for i, j in product(range(t), range(r)):
        full = roc_auc_score(study.truth, study.scores[i, j])
        for k in range(c):
            keep = np.arange(c) != k
            y[i, j, k] = c * full - (c - 1) * roc_auc_score(study.truth[keep], study.scores[i, j, keep])
        y[i, j] += full - y[i, j].mean()
    m = y.mean()
    mi, mj, mk = y.mean(axis=(1, 2)), y.mean(axis=(0, 2)), y.mean(axis=(0, 1))
    mij, mik = y.mean(axis=2), y.mean(axis=1)
    ms_t = r * c * ((mi - m) ** 2).sum() / (t - 1)
    ms_tr = c * ((mij - mi[:, None] - mj[None, :] + m) ** 2).sum() / ((t - 1) * (r - 1))
    ms_tc = r * ((mik - mi[:, None] - mk[None, :] + m) ** 2).sum() / ((t - 1) * (c - 1))
    mjk = y.mean(axis=0)
    resid = y - mij[:, :, None] - mik[:, None, :] - mjk[None, :, :] + mi[:, None, None] + mj[None, :, None] \
        + mk[None, None, :] - m
    ms_trc = (resid**2).sum() / ((t - 1) * (r - 1) * (c - 1))
    denominator = ms_tr + max(ms_tc - ms_trc, 0.0)
    f = ms_t / denominator
    ddf = denominator**2 / (ms_tr**2 / ((t - 1) * (r - 1)))
    return f, ddf, ms_t / c, ms_tr / c


def test_reader_aucs_are_scikit_learns() -> None:
    study = simulate()
    result = obuchowski_rockette(study)
    for i, j in product(range(2), range(len(study.readers))):
        assert result.aucs[i, j] == pytest.approx(roc_auc_score(study.truth, study.scores[i, j]), abs=1e-12)


@pytest.mark.parametrize("seed", [3, 11])
def test_or_with_jackknife_covariances_equals_dbm_on_pseudovalues(seed: int) -> None:
    study = simulate(seed=seed, effect=0.3)
    result = obuchowski_rockette(study, covariance="jackknife")
    f, ddf, ms_t, ms_tr = dbm(study)
    assert result.ms_t == pytest.approx(ms_t, rel=1e-9) and result.ms_tr == pytest.approx(ms_tr, rel=1e-9)
    assert result.f == pytest.approx(f, rel=1e-8) and result.ddf == pytest.approx(ddf, rel=1e-8)
    assert result.p_value == pytest.approx(stats.f.sf(f, 1, ddf), rel=1e-8)
    comparison = result.comparisons[0]
    assert comparison.p_value == pytest.approx(result.p_value, rel=1e-8)  # with two modalities, t^2 = F
    difference = result.aucs[1].mean() - result.aucs[0].mean()
    assert comparison.difference.estimate == pytest.approx(difference)
    # the CI's half-width from DBM's quantities: t(ddf) times the standard error that makes t^2 = F
    t_quantile = stats.t.ppf(0.975, ddf)
    se = abs(difference) / np.sqrt(f)
    assert comparison.difference.high - comparison.difference.estimate == pytest.approx(t_quantile * se, rel=1e-8)


def test_the_delong_option_uses_delongs_covariance_of_the_reader_aucs() -> None:
    study = simulate(readers=3, cases=60)
    result = obuchowski_rockette(study, covariance="delong")
    flat = [study.scores[i, j] for i, j in product(range(2), range(3))]
    matrix = delong(study.truth, *flat).covariance
    same_reader = [matrix[j, 3 + j] for j in range(3)]
    different_both = [matrix[j, 3 + m] for j in range(3) for m in range(3) if j != m]
    assert result.covariances.var == pytest.approx(np.mean(np.diag(matrix)), rel=1e-9)
    assert result.covariances.cov1 == pytest.approx(np.mean(same_reader), rel=1e-9)
    assert result.covariances.cov3 == pytest.approx(np.mean(different_both), rel=1e-9)


def test_a_real_ai_effect_is_found_and_no_effect_is_not() -> None:
    helped = obuchowski_rockette(simulate(readers=6, cases=150, effect=1.2))
    assert helped.p_value < 0.05 and helped.comparisons[0].difference.low > 0
    study = simulate(effect=0.0)
    same = ReaderStudy(study.modalities, study.readers, study.cases, np.stack([study.scores[0], study.scores[0]]),
                       study.truth)
    none = obuchowski_rockette(same)
    assert none.f == 0.0 and none.comparisons[0].difference.estimate == 0.0 and none.p_value == pytest.approx(1.0)
    for name, auc in none.modality_auc.items():
        assert auc.low < auc.estimate < auc.high, name


def test_feedback_is_private_to_the_reader() -> None:
    study = simulate()
    result = obuchowski_rockette(study)
    mine = reader_feedback(result, study.readers[1])
    assert mine["your_auc"]["with AI"] == pytest.approx(result.aucs[1, 1])
    assert mine["your_change"]["with AI"] == pytest.approx(result.aucs[1, 1] - result.aucs[0, 1])
    text = repr(mine)
    assert all(other not in text for other in study.readers if other != study.readers[1])
    with pytest.raises(AssuranceInputError, match="no part"):
        reader_feedback(result, "stranger@example.nhs.uk")


def write_long(path: Path, study: ReaderStudy, drop: int = 0) -> Path:
    rows = ["reader,case_id,modality,score,label"]
    for i, j, k in product(range(2), range(len(study.readers)), range(len(study.cases))):
        rows.append(f"{study.readers[j]},{study.cases[k]},{study.modalities[i]},{study.scores[i, j, k]},"
                    f"{study.truth[k]}")
    path.write_text("\n".join(rows[: len(rows) - drop]) + "\n")
    return path


def test_a_long_csv_round_trips_and_an_incomplete_design_is_refused(tmp_path: Path) -> None:
    study = simulate(readers=3, cases=20)
    back = read_reader_study(write_long(tmp_path / "reads.csv", study), ("without AI", "with AI"))
    assert back.readers == study.readers and np.array_equal(back.scores, study.scores)
    with pytest.raises(AssuranceInputError, match="fully crossed"):
        read_reader_study(write_long(tmp_path / "short.csv", study, drop=1))
    (tmp_path / "bad.csv").write_text("reader,case_id,modality,score\n")
    with pytest.raises(AssuranceInputError, match="missing column"):
        read_reader_study(tmp_path / "bad.csv")


def test_the_mrmc_command_writes_the_analysis_and_one_private_file_per_reader(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from imaging_hub.cli import app

    study = simulate(readers=3, cases=40)
    reads = write_long(tmp_path / "reads.csv", study)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["assurance", "mrmc", str(reads), "--reference-modality", "without AI",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    import json

    document = json.loads((out / "mrmc.json").read_text())
    expected = obuchowski_rockette(study)
    assert document["test"]["f"] == pytest.approx(expected.f)
    assert document["comparisons"][0]["modality"] == "with AI"
    feedback = sorted(out.glob("feedback-reader-*.json"))
    assert len(feedback) == 3 and json.loads(feedback[0].read_text())["reader"] == study.readers[0]
    refused = CliRunner().invoke(app, ["assurance", "mrmc", str(reads), "--covariance", "bootstrap",
                                       "--out", str(tmp_path / "x")])
    assert refused.exit_code == 2 and not (tmp_path / "x").exists()
