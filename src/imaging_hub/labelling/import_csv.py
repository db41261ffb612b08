"""Existing labels from CSV: one read per row, validated whole before anything is stored.

Columns: ``study_uid``, ``reader``, then one column per classification question (its category's name) and,
optionally, one per measurement (a number; empty: not measured). Errors name the row (the header is row 1)
and the column; values are never quoted back, since a mistaken file might hold identifiable text. A cell the
hub's own export defused against spreadsheet formulas (``imaging_hub.spreadsheet``) is read as it was before.
"""

from __future__ import annotations

import csv
import io
import math

from imaging_hub.labelling.errors import LabellingError
from imaging_hub.labelling.model import Labels
from imaging_hub.labelling.schema import LabelSchema
from imaging_hub.spreadsheet import undefused

REQUIRED = ("study_uid", "reader")


def parse_reads_csv(text: str, schema: LabelSchema) -> list[tuple[str, str, Labels]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    questions = [q.name for q in schema.questions]
    measurements = [m.name for m in schema.measurements]
    missing = [c for c in (*REQUIRED, *questions) if c not in header]
    if missing:
        raise LabellingError(f"row 1: missing column(s) {missing}")
    unknown = [c for c in header if c not in (*REQUIRED, *questions, *measurements)]
    if unknown:
        raise LabellingError(f"row 1: unknown column(s) {unknown}")
    if len(set(header)) != len(header):
        raise LabellingError("row 1: a column is named twice")
    rows, seen = [], set()
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise LabellingError(f"row {number}: more values than columns")
        row = {column: undefused(value or "") for column, value in row.items()}  # a hub export, edited
        study, who = (row["study_uid"] or "").strip(), (row["reader"] or "").strip()
        for column, value in (("study_uid", study), ("reader", who)):
            if not value:
                raise LabellingError(f"row {number}, column {column}: empty")
        if (study, who) in seen:
            raise LabellingError(f"row {number}: this reader's read of this study is already in the file")
        seen.add((study, who))
        answers = {}
        for q in schema.questions:
            value = (row[q.name] or "").strip()
            if value not in [c.name for c in q.categories]:
                raise LabellingError(f"row {number}, column {q.name}: not one of {[c.name for c in q.categories]}")
            answers[q.name] = value
        values = {}
        for m in measurements:
            text_value = (row.get(m) or "").strip()
            if not text_value:
                continue
            try:
                values[m] = float(text_value)
            except ValueError:
                raise LabellingError(f"row {number}, column {m}: not a number") from None
            if not math.isfinite(values[m]):
                raise LabellingError(f"row {number}, column {m}: not a finite number")
        rows.append((study, who, Labels(answers, values)))
    if not rows:
        raise LabellingError("the file has no reads (only a header)")
    return rows
