"""A monitoring stream: cases in time order with the AI tool's score, the label once known, and metadata."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imaging_hub.assurance.errors import AssuranceInputError

STREAM_COLUMNS = ("case_id", "date", "site", "score", "label")


@dataclass(frozen=True)
class Stream:
    case_id: list[str]
    date: list[str]
    score: NDArray[np.float64]
    label: NDArray[np.float64]  # NaN while the reference is not yet known
    metadata: dict[str, list[str]]  # site and every extra column, e.g. manufacturer, software_version

    def __len__(self) -> int:
        return len(self.case_id)


def read_stream(path: Path) -> Stream:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AssuranceInputError(f"{path.name}: cannot read as CSV ({type(exc).__name__})") from None
    for name in STREAM_COLUMNS:
        if name not in header:
            raise AssuranceInputError(f"{path.name}: missing column {name!r}")
    if not rows:
        raise AssuranceInputError(f"{path.name}: no rows")
    score = np.empty(len(rows))
    label = np.full(len(rows), np.nan)
    for i, row in enumerate(rows):
        try:
            score[i] = float(row["score"])
        except ValueError:
            raise AssuranceInputError(f"{path.name}: column 'score' is not a number in data row {i + 1}") from None
        if not 0.0 <= score[i] <= 1.0:
            raise AssuranceInputError(f"{path.name}: column 'score' must lie in 0..1 (data row {i + 1})")
        if row["label"] not in ("", "0", "1"):
            raise AssuranceInputError(f"{path.name}: column 'label' must be 0, 1 or empty (data row {i + 1})")
        if row["label"]:
            label[i] = float(row["label"])
    metadata = {name: [row[name] for row in rows] for name in header if name not in ("case_id", "date", "score",
                                                                                      "label")}
    return Stream([r["case_id"] for r in rows], [r["date"] for r in rows], score, label, metadata)
