"""Read-only commands never create state: a missing or mistyped folder is an error, and nothing appears."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imaging_hub.cli import app

runner = CliRunner()


@pytest.fixture
def empty_cwd(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", [["audit", "verify"], ["audit", "export", "out.json"]])
def test_audit_on_a_missing_data_folder_is_an_error(empty_cwd: Path, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--data", str(empty_cwd / "mistyped")])
    assert result.exit_code == 2, result.output
    assert "no hub data folder" in _words(result.output)
    assert "intact" not in result.output
    assert list(empty_cwd.iterdir()) == []


def test_audit_verify_on_a_folder_without_a_hub_database_is_an_error(empty_cwd: Path) -> None:
    (empty_cwd / "not-a-hub").mkdir()
    result = runner.invoke(app, ["audit", "verify", "--data", "not-a-hub"])
    assert result.exit_code == 2, result.output
    assert "holds no hub database" in _words(result.output)
    assert list((empty_cwd / "not-a-hub").iterdir()) == []


def test_spoke_status_without_config_creates_nothing(empty_cwd: Path) -> None:
    result = runner.invoke(app, ["spoke", "status"])
    assert result.exit_code == 2, result.output
    assert "no spoke data folder" in _words(result.output)
    assert list(empty_cwd.iterdir()) == []


def test_spoke_status_on_a_folder_without_a_spoke_database_creates_nothing(empty_cwd: Path) -> None:
    (empty_cwd / "not-a-spoke").mkdir()
    result = runner.invoke(app, ["spoke", "status", "--data", "not-a-spoke"])
    assert result.exit_code == 2, result.output
    assert "holds no spoke database" in _words(result.output)
    assert list((empty_cwd / "not-a-spoke").iterdir()) == []


def test_spoke_status_table_is_readable_at_80_columns() -> None:
    from rich.console import Console

    from imaging_hub.cli.spoke import study_table
    from imaging_hub.spoke import StudyReport

    studies = [
        StudyReport(
            project_id="LUNG-AI",
            participant_id="LUNG-AI-RX1-0001",
            study_uid="2.25." + "1" * 38,
            expected_instances=120,
            received=120,
            deidentified=120,
            delivered=120,
            acknowledged=120,
        ),
        StudyReport(
            project_id="LUNG-AI",
            participant_id="LUNG-AI-RX1-0002",
            study_uid="2.25." + "2" * 38,
            expected_instances=120,
            received=80,
            deidentified=60,
            delivered=40,
            acknowledged=20,
        ),
    ]
    console = Console(width=80, record=True, color_system=None)
    console.print(study_table(studies))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    lines = text.splitlines()
    assert any("LUNG-AI-RX1-0001" in line and "complete" in line for line in lines)  # whole words, one line
    assert any("LUNG-AI-RX1-0002" in line and "incomplete" in line for line in lines)
    assert "40 not yet received from the PACS" in " ".join(text.replace("│", " ").split())
