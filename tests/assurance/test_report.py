"""The validate command end to end: JSON, a standalone HTML report and a PDF that opens with its headings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf
from typer.testing import CliRunner

from imaging_hub.cli import app

from .cases import simulate, write_csv

HEADINGS = ["Summary", "Discrimination and calibration", "Operating point", "Sites", "Subgroups",
            "Reporting checklist", "Plain-language summary"]


def test_validate_writes_json_html_and_pdf(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "pred.csv", simulate(400))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["assurance", "validate", str(cases), "--threshold", "0.5", "--compare",
                                      "score_b", "--prevalence", "0.1", "--bootstrap", "50", "--seed", "3",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads((out / "validation.json").read_text())
    assert document["source"]["name"] == "pred.csv"
    assert {"auc", "sensitivity", "specificity", "ppv", "npv", "calibration", "sites", "pooled", "comparison",
            "subgroups", "bootstrap", "at_prevalence"} <= set(document)

    html = (out / "report.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 4  # ROC, calibration, forest plots of sites and of subgroups
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert "a person must write" in html and "filled by the platform" in html

    reader = pypdf.PdfReader(out / "report.pdf")
    assert len(reader.pages) >= 4
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in HEADINGS:
        assert heading in text
    assert text.rindex("Plain-language summary") > text.rindex("Reporting checklist")  # the summary ends it


def test_bad_input_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    columns = simulate(100)
    columns["score"][41] = "7"
    cases = write_csv(tmp_path / "pred.csv", columns)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["assurance", "validate", str(cases), "--threshold", "0.5", "--out", str(out)])
    assert result.exit_code == 2
    assert "column 'score' must lie in 0..1 (data row 42)" in result.output
    assert not out.exists()


def test_unknown_comparator_is_refused(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "pred.csv", simulate(100))
    result = CliRunner().invoke(app, ["assurance", "validate", str(cases), "--threshold", "0.5", "--compare",
                                      "score_c", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "missing column 'score_c'" in result.output
