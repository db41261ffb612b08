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
