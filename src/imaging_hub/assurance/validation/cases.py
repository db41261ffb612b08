"""A table of validated cases, whatever their source: one row per case with its label and the AI tool's score.

Validation only needs this table, so results from a CSV, from an ONNX run over a snapshot or from the tool's own
DICOM SR outputs all arrive the same way (``CaseTable.from_columns``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imaging_hub.assurance.errors import AssuranceInputError

REQUIRED_COLUMNS = ("case_id", "patient_id", "site", "label", "score")


@dataclass(frozen=True)
class CaseTable:
    case_id: NDArray[np.str_]
    patient_id: NDArray[np.str_]
    site: NDArray[np.str_]
    label: NDArray[np.int_]
    score: NDArray[np.float64]
    comparators: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    subgroups: Mapping[str, NDArray[np.str_]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.label)

    def subset(self, mask: NDArray[np.bool_] | NDArray[np.int_]) -> CaseTable:
        """Rows chosen by a boolean mask or by (possibly repeated) indices, as the bootstrap needs."""
        return CaseTable(
            self.case_id[mask], self.patient_id[mask], self.site[mask], self.label[mask], self.score[mask],
            {k: v[mask] for k, v in self.comparators.items()}, {k: v[mask] for k, v in self.subgroups.items()},
        )

    @classmethod
    def from_columns(cls, columns: Mapping[str, Sequence[str]], *, compare: Sequence[str] = (),
                     source: str = "cases") -> CaseTable:
        """Check and convert text columns; every other column is a subgroup (e.g. sex, age band, manufacturer)."""
        for name in (*REQUIRED_COLUMNS, *compare):
            if name not in columns:
                raise AssuranceInputError(f"{source}: missing column {name!r}")
        n = len(columns["label"])
        labels = np.array([_label(v, row, source) for row, v in enumerate(columns["label"])], dtype=int)
        score = _scores(columns["score"], "score", source)
        comparators = {name: _scores(columns[name], name, source) for name in compare}
        for name in ("case_id", "patient_id", "site"):
            for row, value in enumerate(columns[name]):
                if not value.strip():
                    raise AssuranceInputError(f"{source}: column {name!r} is empty in data row {row + 1}")
        if n == 0:
            raise AssuranceInputError(f"{source}: no cases")
        if labels.min() == labels.max():
            raise AssuranceInputError(f"{source}: column 'label' holds a single class ({labels[0]}); "
                                      "validation needs positive and negative cases")
        subgroups = {
            name: np.array([v.strip() or "missing" for v in values], dtype=str)
            for name, values in columns.items() if name not in REQUIRED_COLUMNS and name not in compare
        }
        return cls(np.array(columns["case_id"], dtype=str), np.array(columns["patient_id"], dtype=str),
                   np.array(columns["site"], dtype=str), labels, score, comparators, subgroups)


def read_cases(path: Path, *, compare: Sequence[str] = ()) -> CaseTable:
    """Read a validation CSV: ``case_id, patient_id, site, label, score``, comparators, subgroup columns."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            columns: dict[str, list[str]] = {name.strip(): [] for name in header}
            for row_number, row in enumerate(reader, start=1):
                if None in row:
                    raise AssuranceInputError(f"{path.name}: data row {row_number} has more fields than the header")
                for name in header:
                    columns[name.strip()].append(row[name] or "")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AssuranceInputError(f"{path.name}: cannot read as CSV ({type(exc).__name__})") from None
    return CaseTable.from_columns(columns, compare=compare, source=path.name)


def _label(value: str, row: int, source: str) -> int:
    if value.strip() not in ("0", "1"):
        raise AssuranceInputError(f"{source}: column 'label' must be 0 or 1 (data row {row + 1})")
    return int(value)


def _scores(values: Sequence[str], name: str, source: str) -> NDArray[np.float64]:
    out = np.empty(len(values))
    for row, value in enumerate(values):
        try:
            out[row] = float(value)
        except ValueError:
            raise AssuranceInputError(f"{source}: column {name!r} is not a number in data row {row + 1}") from None
        if not 0.0 <= out[row] <= 1.0:  # also refuses NaN
            raise AssuranceInputError(f"{source}: column {name!r} must lie in 0..1 (data row {row + 1})")
    return out
