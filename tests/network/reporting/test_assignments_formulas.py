"""ASSIGNMENTS.csv defuses task and reporter ids typed into the batch files that a spreadsheet would run as a
formula."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from imaging_hub.network.reporting import Assignment, write_assignments

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("typed", HOSTILE)
def test_typed_ids_come_out_defused_and_the_file_parses(tmp_path: Path, typed: str) -> None:
    out = tmp_path / "assignments.csv"
    write_assignments(out, [Assignment(typed, typed, f"credentialed at {typed}"), Assignment("T2", None, "no one")])
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["task_id", "reporter_id", "reason"], ["'" + typed, "'" + typed, f"credentialed at {typed}"],
                    ["T2", "", "no one"]]
