"""``validate`` over a CSV file or a stored run: read, assess, render, and write validation.json, report.html and
report.pdf."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imaging_hub import __version__
from imaging_hub.assurance.estimate import json_document
from imaging_hub.assurance.files import write_together
from imaging_hub.assurance.report import html_to_pdf, validation_html
from imaging_hub.assurance.validation import CaseTable, ValidationOptions, read_cases, validate


def validate_csv(path: Path, options: ValidationOptions, out: Path) -> dict[str, Any]:
    """Everything is computed and rendered before the first file is written; bad input writes nothing."""
    cases = read_cases(path, compare=[options.compare] if options.compare else [])
    return validate_table(cases, options, out, {"name": path.name,
                                                "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})


def validate_table(cases: CaseTable, options: ValidationOptions, out: Path, source: dict[str, Any],
                   thumbnails: Callable[[list[str]], dict[str, str]] | None = None) -> dict[str, Any]:
    """Validate cases from any source (``source`` names it in the report: a file, or a run over a snapshot).
    ``thumbnails`` renders the worst errors' images (case ids to data URIs) when the cases come from the archive."""
    result = validate(cases, options)
    pictures = thumbnails([e["case_id"] for e in result.json["worst_errors"]]) if thumbnails else None
    source = {**source, "software": __version__, "generated": datetime.now(UTC).isoformat(timespec="seconds")}
    document = {"source": source, **result.json}
    html = validation_html(result.json, result.roc, result.roc_band, source, pictures)
    write_together(out, {
        "validation.json": json_document(document),
        "report.html": html.encode(),
        "report.pdf": html_to_pdf(html),
    })
    return document
