"""DeLong against a slow reference written here (pairwise Mann-Whitney kernel placement values) and AUC against
scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score, roc_curve

from imaging_hub.assurance.validation import delong, paired_comparison
from imaging_hub.assurance.validation.roc import rank_auc, roc_points


def reference_delong(labels: np.ndarray, scores: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """DeLong, DeLong & Clarke-Pearson (1988) as written: psi(x, y) = 1 if x > y, 1/2 if equal, 0 otherwise."""
    k = len(scores)
    m, n = int((labels == 1).sum()), int((labels == 0).sum())
    v10, v01 = np.zeros((k, m)), np.zeros((k, n))
    aucs = np.zeros(k)
    for r, s in enumerate(scores):
        x, y = s[labels == 1], s[labels == 0]
        psi = np.array([[1.0 if xi > yj else 0.5 if xi == yj else 0.0 for yj in y] for xi in x])
        aucs[r] = psi.mean()
        v10[r], v01[r] = psi.mean(axis=1), psi.mean(axis=0)
    s10 = np.array([[np.sum((v10[a] - aucs[a]) * (v10[b] - aucs[b])) / (m - 1) for b in range(k)] for a in range(k)])
    s01 = np.array([[np.sum((v01[a] - aucs[a]) * (v01[b] - aucs[b])) / (n - 1) for b in range(k)] for a in range(k)])
    return aucs, s10 / m + s01 / n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_delong_matches_the_pairwise_reference_and_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 150)
    first = np.round(rng.normal(labels, 1.0) / 4, 1)  # rounding makes ties, the hard part of midranks
    second = np.round(rng.normal(labels * 0.5, 1.0), 1)
    result = delong(labels, first, second)
    aucs, covariance = reference_delong(labels, [first, second])
    np.testing.assert_allclose(result.auc, aucs, rtol=1e-12)
    np.testing.assert_allclose(result.covariance, covariance, rtol=1e-10)
    assert result.auc[0] == pytest.approx(roc_auc_score(labels, first), rel=1e-12)
    assert rank_auc(labels, second) == pytest.approx(roc_auc_score(labels, second), rel=1e-12)

    se = np.sqrt(covariance[0, 0])
    interval = result.interval(0)
    assert interval.ci == pytest.approx((max(0, aucs[0] - 1.959964 * se), min(1, aucs[0] + 1.959964 * se)), abs=1e-6)

    compared = paired_comparison(result)
    z = (aucs[0] - aucs[1]) / np.sqrt(covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1])
    assert compared.auc_difference.estimate == pytest.approx(aucs[0] - aucs[1])
    assert compared.p_value == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)


def test_roc_points_match_sklearn() -> None:
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.random(300), 2)
    fpr, tpr = roc_points(labels, scores)
    ref_fpr, ref_tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr)
    np.testing.assert_allclose(tpr, ref_tpr)


def test_interval_is_clipped_to_the_auc_scale() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.75, 0.35])
    interval = delong(labels, scores).interval()
    assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0


def test_one_class_is_refused() -> None:
    with pytest.raises(ValueError, match="positive and negative"):
        delong(np.ones(5, dtype=int), np.linspace(0, 1, 5))
