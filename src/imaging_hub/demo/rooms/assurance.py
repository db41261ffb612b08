"""The demo's AI assurance: a small AI tool scores the demo's cases, is validated against their labels, and is
monitored after "deployment" on a stream with one planted change.

The tool's score is a logistic function of the same image feature the demo's readers judged, plus seeded noise:
deterministic, nothing downloaded. Nine studies are far too few to validate anything, so the validation table
adds synthesised cases across the three sites (the ``source`` column says which is which) and the output says so.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from imaging_hub.assurance import MonitorOptions, ValidationOptions, monitor_csv, validate_csv
from imaging_hub.demo.rooms.cases import DemoCase

SITES = ("RX1", "RY2", "RZ3")
SYNTHETIC_CASES = 300
THRESHOLD = 0.5
STREAM_ROWS = 1000
BASELINE_ROWS = 500
CHANGE_AT = 750  # RZ3's scanner gets a software upgrade here and the tool's errors rise there


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def tool_scores(cases: list[DemoCase], seed: int = 25) -> list[float]:
    """The AI tool on the demo's own cases: the standardised feature, plus noise."""
    rng = np.random.default_rng(seed)
    features = np.array([c.feature for c in cases])
    centre, spread = float(np.median(features)), float(features.std()) or 1.0
    return [_logistic(2.0 * (c.feature - centre) / spread + rng.normal(0, 0.8)) for c in cases]


def _validation_rows(cases: list[DemoCase], seed: int = 25) -> list[dict[str, Any]]:
    rows = [{"case_id": c.study_uid, "patient_id": c.participant, "site": c.site, "label": int(c.finding),
             "score": f"{s:.4f}", "source": "demo network"} for c, s in zip(cases, tool_scores(cases), strict=True)]
    rng = np.random.default_rng(seed)
    for index in range(SYNTHETIC_CASES):
        site = SITES[index % len(SITES)]
        label = int(rng.random() < 0.3)
        separation = 1.2 if site == "RZ3" else 1.8  # the tool does a little worse at one site
        score = _logistic(separation * label - 0.9 + rng.normal(0, 1.0))
        rows.append({"case_id": f"SYN{index:04d}", "patient_id": f"SYNP{index // 2:04d}", "site": site,
                     "label": label, "score": f"{score:.4f}", "source": "synthesised"})
    return rows


def _stream_rows(seed: int = 26) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    day = np.datetime64("2026-01-01")
    for index in range(STREAM_ROWS):
        site = SITES[index % len(SITES)]
        upgraded = site == "RZ3" and index >= CHANGE_AT
        label = int(rng.random() < 0.3)
        separation = 0.4 if upgraded else 2.4  # after the upgrade the tool barely separates at RZ3
        score = _logistic(separation * label - 1.2 * (separation / 2.4) + rng.normal(0, 0.7))
        rows.append({"case_id": f"MON{index:05d}", "date": str(day + index // 12), "site": site,
                     "score": f"{score:.4f}", "label": label if index % 10 else "",
                     "software_version": "VB21" if upgraded else "VB20"})
    return rows


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def assure(folder: Path, cases: list[DemoCase]) -> tuple[Table, dict[str, Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(folder / "predictions.csv", _validation_rows(cases))
    validation = validate_csv(folder / "predictions.csv", ValidationOptions(threshold=THRESHOLD), folder)
    _write_csv(folder / "stream.csv", _stream_rows())
    monitoring = monitor_csv(folder / "stream.csv", MonitorOptions(threshold=THRESHOLD, baseline_rows=BASELINE_ROWS),
                             folder)
    auc = validation["auc"]
    table = Table(title="AI assurance: demo dense-finding tool (score = image feature + seeded noise)", min_width=110)
    for column in ("measure", "estimate", "95% CI"):
        table.add_column(column)
    for name in ("auc", "sensitivity", "specificity"):
        found = validation[name]
        table.add_row(name.upper() if name == "auc" else name, f"{found['estimate']:.3f}",
                      f"{found['ci'][0]:.3f} to {found['ci'][1]:.3f}")
    for site, found in sorted(validation["sites"].items()):
        table.add_row(f"AUC at {site} (n={found['n']})", f"{found['auc']['estimate']:.3f}",
                      f"{found['auc']['ci'][0]:.3f} to {found['auc']['ci'][1]:.3f}")
    alarms = monitoring["alarms"]
    first = alarms[0] if alarms else None
    table.caption = (
        f"validated on {len(cases)} demo network cases plus {SYNTHETIC_CASES} synthesised cases across "
        f"{', '.join(SITES)} (too few demo cases to validate on their own); AUC {auc['estimate']:.3f} "
        f"(95% CI {auc['ci'][0]:.3f} to {auc['ci'][1]:.3f})\nmonitoring {STREAM_ROWS} cases, change planted at row "
        f"{CHANGE_AT}: " + (f"alarm ({first['method']}) at row {first['index']}, {first['date']}: {first['detail']}"
                            if first else "no alarm"))
    return table, {"validation": "validation.json", "report": ["report.html", "report.pdf"],
                   "monitor": "monitor.json", "alarms": alarms}
