"""Data drift on metadata columns: each sliding window against the baseline window.

Categorical columns: chi-squared test of the 2 x k table, and the population stability index (PSI) to say how
large the change is; the level that moved most is named. Numeric columns: two-sample Kolmogorov-Smirnov.
A window is flagged when the test's p-value is below alpha divided by the number of tests in the run
(Bonferroni across columns and windows) and, for categories, the PSI is at least ``min_psi``. One alarm is
raised per episode: a column must have a window without drift before it can alarm again.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2_contingency, ks_2samp

# Proportions are floored here inside the PSI's logarithm, so a level absent from one window stays finite.
PSI_FLOOR = 1e-4


@dataclass(frozen=True)
class DriftRules:
    window: int = 200
    step: int = 50
    alpha: float = 0.01  # family-wise, over every test in the run
    min_psi: float = 0.1


@dataclass(frozen=True)
class DriftFinding:
    column: str
    index: int  # the window's last row
    p_value: float
    psi: float | None
    detail: str


def is_numeric(values: list[str]) -> bool:
    present = [v for v in values if v]
    try:
        numbers = [float(v) for v in present]
    except ValueError:
        return False
    return len(set(numbers)) > 10


def psi(baseline: dict[str, float], window: dict[str, float]) -> float:
    total = 0.0
    for level in set(baseline) | set(window):
        b, w = max(baseline.get(level, 0.0), PSI_FLOOR), max(window.get(level, 0.0), PSI_FLOOR)
        total += (w - b) * math.log(w / b)
    return total


def _shares(values: list[str]) -> dict[str, float]:
    counts = Counter(v or "missing" for v in values)
    return {k: c / len(values) for k, c in counts.items()}


def _categorical(column: str, baseline: list[str], window: list[str]) -> tuple[float, float, str]:
    b_counts, w_counts = Counter(v or "missing" for v in baseline), Counter(v or "missing" for v in window)
    levels = sorted(set(b_counts) | set(w_counts))
    if len(levels) < 2:
        return 1.0, 0.0, ""
    table = np.array([[b_counts[level] for level in levels], [w_counts[level] for level in levels]])
    p_value = float(chi2_contingency(table)[1])
    b_share, w_share = _shares(baseline), _shares(window)
    moved = max(levels, key=lambda level: abs(w_share.get(level, 0.0) - b_share.get(level, 0.0)))
    before, after = b_share.get(moved, 0.0), w_share.get(moved, 0.0)
    verb = "appeared" if before == 0 else "disappeared" if after == 0 else "rose" if after > before else "fell"
    detail = f"{column} {moved!r} {verb} ({100 * before:.0f}% in baseline, {100 * after:.0f}% in window)"
    return p_value, psi(b_share, w_share), detail


def _numeric(column: str, baseline: list[str], window: list[str]) -> tuple[float, str]:
    b = np.array([float(v) for v in baseline if v])
    w = np.array([float(v) for v in window if v])
    if len(b) == 0 or len(w) == 0:
        return 1.0, ""
    result = ks_2samp(b, w)
    return float(result.pvalue), (f"{column} median {np.median(b):g} in baseline, {np.median(w):g} in window "
                                  f"(KS D={result.statistic:.2f})")


def window_ends(rows: int, start: int, rules: DriftRules) -> list[int]:
    """Last row of each window; windows begin after the baseline and advance by ``step`` rows."""
    return list(range(start + rules.window - 1, rows, rules.step))


def detect_drift(metadata: dict[str, list[str]], baseline_rows: int, rules: DriftRules
                 ) -> tuple[list[DriftFinding], dict[str, Any]]:
    rows = len(next(iter(metadata.values()))) if metadata else 0
    ends = window_ends(rows, baseline_rows, rules)
    tests = max(1, len(ends) * len(metadata))
    threshold = rules.alpha / tests
    findings: list[DriftFinding] = []
    trace: dict[str, Any] = {}
    for column, values in metadata.items():
        baseline = values[:baseline_rows]
        numeric = is_numeric(baseline)
        in_episode = False
        series = []
        for end in ends:
            window = values[end - rules.window + 1:end + 1]
            if numeric:
                p_value, detail = _numeric(column, baseline, window)
                drift_psi = None
                drifted = p_value < threshold
            else:
                p_value, drift_psi, detail = _categorical(column, baseline, window)
                drifted = p_value < threshold and drift_psi >= rules.min_psi
            series.append({"index": end, "p_value": p_value, "psi": drift_psi})
            if drifted and not in_episode:
                findings.append(DriftFinding(column, end, p_value, drift_psi, detail))
            in_episode = drifted
        trace[column] = {"kind": "numeric (KS)" if numeric else "categorical (chi-squared, PSI)", "windows": series}
    settings = {"window": rules.window, "step": rules.step, "alpha": rules.alpha, "tests": tests,
                "per_test_threshold": threshold, "min_psi": rules.min_psi,
                "correction": "Bonferroni over columns x windows"}
    return findings, {"settings": settings, "columns": trace}
