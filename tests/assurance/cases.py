"""Simulated validation cases for the assurance tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


def simulate(n: int = 600, seed: int = 1, sites: str = "ABC") -> dict[str, list[str]]:
    """Two cases per patient; scores separate the classes moderately; ties from rounding to 2 decimals."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    score = 1 / (1 + np.exp(-(1.5 * label - 0.75 + rng.normal(0, 1, n))))
    other = np.clip(score + rng.normal(0, 0.2, n), 0, 1)
    return {
        "case_id": [f"c{i}" for i in range(n)],
        "patient_id": [f"p{i // 2}" for i in range(n)],
        "site": [sites[(i // 2) % len(sites)] for i in range(n)],
        "label": [str(v) for v in label],
        "score": [f"{v:.2f}" for v in score],
        "score_b": [f"{v:.2f}" for v in other],
        "sex": [("F", "M")[v] for v in rng.integers(0, 2, n)],
        "age": [str(v) for v in rng.integers(20, 90, n)],
    }


def write_csv(path: Path, columns: dict[str, list[str]]) -> Path:
    names = list(columns)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(zip(*(columns[k] for k in names), strict=True))
    return path
