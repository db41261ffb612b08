"""Multi-reader multi-case comparison of AUCs: the Obuchowski-Rockette model with Hillis's denominator degrees of
freedom, random readers and random cases (as the FDA's iMRMC and the OR-DBM MRMC software report it).

Each reader's AUC is the empirical (Wilcoxon) area. The error covariances come from the cases, by the jackknife
(default; then the F statistic equals the DBM analysis of pseudovalues) or by DeLong's structural components.

    F = MS(T) / (MS(T*R) + r * max(Cov2 - Cov3, 0)),   ddf = that denominator squared / (MS(T*R)^2 / ((t-1)(r-1)))
    CI of a difference: d +/- t(ddf) * sqrt(2/r * (MS(T*R) + r * max(Cov2 - Cov3, 0)))
    CI of one modality: mean +/- t(ddf_i) * sqrt(MS(R)_i / r + max(Cov2_i, 0))   (Hillis 2007, single treatment)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.estimate import Estimate
from imaging_hub.assurance.readers.design import ReaderStudy

COVARIANCES = ("jackknife", "delong")
ROUND_OFF = 1e-13  # mean squares and covariance differences below this are zero (identical modalities)


def _clean(value: float) -> float:
    return 0.0 if abs(value) < ROUND_OFF else value


@dataclass(frozen=True)
class Covariances:
    var: float
    cov1: float  # same reader, different modalities
    cov2: float  # different readers, same modality
    cov3: float  # different readers, different modalities

    def to_json(self) -> dict[str, float]:
        return {"var": self.var, "cov1": self.cov1, "cov2": self.cov2, "cov3": self.cov3}


@dataclass(frozen=True)
class Comparison:
    modality: str
    reference: str
    difference: Estimate
    p_value: float
    ddf: float


@dataclass(frozen=True)
class MrmcResult:
    study: ReaderStudy
    method: str
    aucs: NDArray[np.float64]  # [modality, reader]
    covariances: Covariances
    ms_t: float
    ms_tr: float
    f: float
    df1: int
    ddf: float
    p_value: float
    modality_auc: dict[str, Estimate]
    comparisons: list[Comparison]

    def to_json(self) -> dict[str, Any]:
        s = self.study
        return {
            "method": f"Obuchowski-Rockette, random readers and cases, Hillis ddf, {self.method} covariances",
            "readers": len(s.readers), "cases": len(s.cases), "positives": int(s.truth.sum()),
            "modalities": {m: self.modality_auc[m].to_json() for m in s.modalities},
            "reader_auc": {m: {r: float(self.aucs[i, j]) for j, r in enumerate(s.readers)}
                           for i, m in enumerate(s.modalities)},
            "covariances": self.covariances.to_json(),
            "ms_t": self.ms_t, "ms_tr": self.ms_tr,
            "test": {"f": self.f, "df1": self.df1, "ddf": self.ddf, "p_value": self.p_value},
            "comparisons": [{"modality": c.modality, "reference": c.reference, "auc_difference": c.difference.to_json(),
                             "p_value": c.p_value, "ddf": c.ddf} for c in self.comparisons],
        }


def _placements(positive: NDArray[np.float64], negative: NDArray[np.float64]) -> NDArray[np.float64]:
    """psi[k, l]: 1 where positive case k outranks negative case l, 1/2 on a tie."""
    diff = positive[:, None] - negative[None, :]
    return (diff > 0).astype(float) + 0.5 * (diff == 0)


def _per_reader(study: ReaderStudy) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                                             NDArray[np.float64]]:
    """AUCs [t, r], leave-one-case-out AUCs [t, r, c], and DeLong's components V10 [t, r, n1], V01 [t, r, n0]."""
    pos, neg = study.truth == 1, study.truth == 0
    n1, n0 = int(pos.sum()), int(neg.sum())
    t, r, c = study.scores.shape
    aucs, loo = np.empty((t, r)), np.empty((t, r, c))
    v10, v01 = np.empty((t, r, n1)), np.empty((t, r, n0))
    for i, j in product(range(t), range(r)):
        psi = _placements(study.scores[i, j, pos], study.scores[i, j, neg])
        total, rows, cols = psi.sum(), psi.sum(axis=1), psi.sum(axis=0)
        aucs[i, j] = total / (n1 * n0)
        v10[i, j], v01[i, j] = rows / n0, cols / n1
        loo[i, j, pos] = (total - rows) / ((n1 - 1) * n0)
        loo[i, j, neg] = (total - cols) / (n1 * (n0 - 1))
    return aucs, loo, v10, v01


def _covariance_matrix(study: ReaderStudy, method: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    aucs, loo, v10, v01 = _per_reader(study)
    t, r, c = study.scores.shape
    if method == "jackknife":
        flat = loo.reshape(t * r, c)
        centred = flat - flat.mean(axis=1, keepdims=True)
        return aucs, (c - 1) / c * centred @ centred.T
    a, b = v10.reshape(t * r, -1), v01.reshape(t * r, -1)
    return aucs, np.atleast_2d(np.cov(a)) / a.shape[1] + np.atleast_2d(np.cov(b)) / b.shape[1]


def _averaged(matrix: NDArray[np.float64], t: int, r: int, modalities: range | list[int]) -> Covariances:
    sums = {"var": [], "cov1": [], "cov2": [], "cov3": []}  # type: dict[str, list[float]]
    for (i, j), (k, m) in product(product(range(t), range(r)), repeat=2):
        if i not in modalities or k not in modalities:
            continue
        kind = ("var" if j == m else "cov2") if i == k else ("cov1" if j == m else "cov3")
        sums[kind].append(float(matrix[i * r + j, k * r + m]))
    return Covariances(*(float(np.mean(v)) if v else 0.0 for v in sums.values()))


def obuchowski_rockette(study: ReaderStudy, *, covariance: str = "jackknife", alpha: float = 0.05) -> MrmcResult:
    """The OR analysis of a fully crossed study; comparisons are each modality against the first."""
    study.check()
    if covariance not in COVARIANCES:
        raise AssuranceInputError(f"covariance must be one of {', '.join(COVARIANCES)}")
    aucs, matrix = _covariance_matrix(study, covariance)
    t, r = aucs.shape
    cov = _averaged(matrix, t, r, range(t))
    by_modality, by_reader, grand = aucs.mean(axis=1), aucs.mean(axis=0), float(aucs.mean())
    ms_t = _clean(r * float(((by_modality - grand) ** 2).sum()) / (t - 1))
    interaction = aucs - by_modality[:, None] - by_reader[None, :] + grand
    ms_tr = _clean(float((interaction**2).sum()) / ((t - 1) * (r - 1)))
    denominator = ms_tr + r * max(_clean(cov.cov2 - cov.cov3), 0.0)
    f = ms_t / denominator if denominator > 0 else (0.0 if ms_t == 0 else float("inf"))
    ddf = denominator**2 / (ms_tr**2 / ((t - 1) * (r - 1))) if ms_tr > 0 else float("inf")
    p = float(stats.f.sf(f, t - 1, ddf))
    modality_auc = {}
    for i, name in enumerate(study.modalities):
        single = _averaged(matrix, t, r, [i])
        ms_r = float(((aucs[i] - by_modality[i]) ** 2).sum()) / (r - 1)
        spread = ms_r / r + max(single.cov2, 0.0)
        ddf_i = (ms_r + r * max(single.cov2, 0.0)) ** 2 / (ms_r**2 / (r - 1)) if ms_r > 0 else float("inf")
        half = float(stats.t.ppf(1 - alpha / 2, ddf_i)) * float(np.sqrt(spread))
        modality_auc[name] = Estimate(float(by_modality[i]), float(by_modality[i]) - half, float(by_modality[i]) + half)
    comparisons = []
    for i in range(1, t):
        pair = _averaged(matrix, t, r, [0, i])
        sub = aucs[[0, i]]
        sub_interaction = sub - sub.mean(axis=1, keepdims=True) - sub.mean(axis=0, keepdims=True) + sub.mean()
        ms_tr_pair = _clean(float((sub_interaction**2).sum()) / (r - 1))
        denom = ms_tr_pair + r * max(_clean(pair.cov2 - pair.cov3), 0.0)
        ddf_pair = denom**2 / (ms_tr_pair**2 / (r - 1)) if ms_tr_pair > 0 else float("inf")
        difference = _clean(float(by_modality[i] - by_modality[0]))
        se = float(np.sqrt(2.0 / r * denom))
        half = float(stats.t.ppf(1 - alpha / 2, ddf_pair)) * se
        p_pair = float(2 * stats.t.sf(abs(difference) / se, ddf_pair)) if se > 0 else float(difference == 0)
        comparisons.append(Comparison(study.modalities[i], study.modalities[0],
                                      Estimate(difference, difference - half, difference + half), p_pair, ddf_pair))
    return MrmcResult(study, covariance, aucs, cov, ms_t, ms_tr, f, t - 1, ddf, p, modality_auc, comparisons)
