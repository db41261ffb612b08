"""Simulated deployment streams for the monitoring tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


def write_stream(path: Path, rows: int, error_rate: float, *, change_at: int | None = None,
                 error_after: float | None = None, new_version_at: int | None = None, seed: int = 0) -> Path:
    """One case a row; the tool errs at ``error_rate`` (``error_after`` from ``change_at``); a tenth of the labels
    are not yet known; from ``new_version_at`` 35% of cases come from software version VB20."""
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_id", "date", "site", "score", "label", "manufacturer", "software_version"])
        for i in range(rows):
            rate = error_after if change_at is not None and i >= change_at else error_rate
            label = int(rng.random() < 0.3)
            called = label if rng.random() >= rate else 1 - label
            score = rng.uniform(0.5, 1.0) if called else rng.uniform(0.0, 0.5)
            known = rng.random() >= 0.1
            version = "VB20" if new_version_at is not None and i >= new_version_at and rng.random() < 0.35 \
                else str(rng.choice(["VA10", "VA11"]))
            writer.writerow([f"c{i}", f"2025-{1 + i // 1000:02d}-{1 + (i // 40) % 25:02d}", "AB"[i % 2],
                             f"{score:.3f}", label if known else "", str(rng.choice(["GE", "Siemens"])), version])
    return path
