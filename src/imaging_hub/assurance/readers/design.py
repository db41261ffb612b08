"""A fully crossed reader study: every reader rates every case in every modality (e.g. without and with the AI's
output), as read from long-format rows ``reader, case_id, modality, score, label``."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imaging_hub.assurance.errors import AssuranceInputError

COLUMNS = ("reader", "case_id", "modality", "score", "label")


@dataclass(frozen=True)
class ReaderStudy:
    modalities: tuple[str, ...]
    readers: tuple[str, ...]
    cases: tuple[str, ...]
    scores: NDArray[np.float64]  # [modality, reader, case]: a higher rating means more likely positive
    truth: NDArray[np.int_]  # [case]: 1 positive, 0 negative
    calls: NDArray[np.int_] | None = None  # [modality, reader, case]: each reader's own yes/no, where they gave one

    def check(self) -> None:
        if len(self.modalities) < 2:
            raise AssuranceInputError("a reader study compares at least two modalities (e.g. without and with AI)")
        if len(self.readers) < 2:
            raise AssuranceInputError("a reader study needs at least two readers")
        positives = int(self.truth.sum())
        if positives < 2 or len(self.truth) - positives < 2:
            raise AssuranceInputError("a reader study needs at least two positive and two negative cases")
        if self.scores.shape != (len(self.modalities), len(self.readers), len(self.cases)):
            raise AssuranceInputError("the scores do not cover every modality, reader and case")
        if self.calls is not None and (self.calls.shape != self.scores.shape or not np.isin(self.calls, (0, 1)).all()):
            raise AssuranceInputError("the calls must be 0 or 1 for every modality, reader and case")


def read_reader_study(path: Path, modalities: tuple[str, ...] | None = None) -> ReaderStudy:
    """Long-format CSV; every (reader, case, modality) exactly once and a case's label the same on every row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise AssuranceInputError(f"{path.name}: missing column(s) {', '.join(missing)}")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AssuranceInputError(f"{path.name}: cannot read as CSV ({type(exc).__name__})") from None
    labels: dict[str, int] = {}
    ratings: dict[tuple[str, str, str], float] = {}
    for number, row in enumerate(rows, start=1):
        case, who, modality = row["case_id"].strip(), row["reader"].strip(), row["modality"].strip()
        if not case or not who or not modality:
            raise AssuranceInputError(f"{path.name}: data row {number} has an empty reader, case_id or modality")
        if row["label"].strip() not in ("0", "1"):
            raise AssuranceInputError(f"{path.name}: column 'label' must be 0 or 1 (data row {number})")
        if labels.setdefault(case, int(row["label"])) != int(row["label"]):
            raise AssuranceInputError(f"{path.name}: a case's label differs between rows (data row {number})")
        try:
            score = float(row["score"])
        except ValueError:
            raise AssuranceInputError(f"{path.name}: column 'score' is not a number in data row {number}") from None
        if not math.isfinite(score):
            raise AssuranceInputError(f"{path.name}: column 'score' is not finite in data row {number}")
        if (who, case, modality) in ratings:
            raise AssuranceInputError(f"{path.name}: data row {number} repeats a reader's rating of a case")
        ratings[(who, case, modality)] = score
    found = tuple(sorted({k[2] for k in ratings}))
    chosen = modalities or found
    if set(chosen) != set(found):
        raise AssuranceInputError(f"{path.name}: the modalities in the file are not the ones asked for")
    readers, cases = tuple(sorted({k[0] for k in ratings})), tuple(sorted(labels))
    if len(ratings) != len(chosen) * len(readers) * len(cases):
        raise AssuranceInputError(f"{path.name}: the design is not fully crossed (every reader must rate every case "
                                  "in every modality)")
    scores = np.array([[[ratings[(r, c, m)] for c in cases] for r in readers] for m in chosen])
    study = ReaderStudy(tuple(chosen), readers, cases, scores, np.array([labels[c] for c in cases]))
    study.check()
    return study
