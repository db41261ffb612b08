"""Joining an AI tool's stored results with a reference standard, into the ``CaseTable`` validation takes.

The reference comes from an imported CSV (``case_id, label`` and any subgroup columns) or from elsewhere in the
hub (the labelling room's consensus reads), joined by the face as the same mapping: case id to its columns.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from imaging_hub.assurance.errors import AssuranceInputError
from imaging_hub.assurance.register import CaseResult
from imaging_hub.assurance.validation import CaseTable

Reference = Mapping[str, Mapping[str, str]]  # case id -> {"label": "0"|"1", subgroup column: level, ...}


def read_reference(path: Path) -> dict[str, dict[str, str]]:
    """``case_id, label`` and optional subgroup columns; one row per case."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            if "case_id" not in header or "label" not in header:
                raise AssuranceInputError(f"{path.name}: the reference needs columns 'case_id' and 'label'")
            found: dict[str, dict[str, str]] = {}
            for number, row in enumerate(reader, start=1):
                values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
                case = values.pop("case_id")
                if not case or case in found:
                    raise AssuranceInputError(f"{path.name}: data row {number} has an empty or repeated case_id")
                found[case] = values
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AssuranceInputError(f"{path.name}: cannot read as CSV ({type(exc).__name__})") from None
    return found


def cases_from_results(results: Sequence[CaseResult], reference: Reference, *, level: str = "study",
                       source: str = "run") -> CaseTable:
    """One case per result at ``level`` with its reference label; every result must have a reference."""
    chosen = [r for r in results if r.level == level]
    if not chosen:
        raise AssuranceInputError(f"{source}: no {level}-level results to validate")
    missing = sum(1 for r in chosen if r.case_id not in reference)
    if missing:
        raise AssuranceInputError(f"{source}: {missing} of {len(chosen)} cases have no reference label")
    extra = sorted({k for r in chosen for k in reference[r.case_id] if k != "label"})
    columns: dict[str, list[str]] = {"case_id": [], "patient_id": [], "site": [], "label": [], "score": []}
    columns.update({name: [] for name in extra})
    for r in chosen:
        row = reference[r.case_id]
        for name, value in (("case_id", r.case_id), ("patient_id", r.patient_id), ("site", r.site),
                            ("label", row.get("label", "")), ("score", repr(r.score))):
            columns[name].append(value)
        for name in extra:
            columns[name].append(row.get(name, ""))
    return CaseTable.from_columns(columns, source=source)
