"""The activity CSVs defuse typed text a spreadsheet would run as a formula; the counts stay numbers."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from imaging_hub.network.activity import (
    ParticipantEnrolled,
    Phase,
    PortfolioStudy,
    StudyArrived,
    count_activity,
    write_monthly_activity,
    write_portfolio_upload,
)

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
WHEN = datetime(2025, 7, 1, 10, tzinfo=UTC)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("typed", HOSTILE)
def test_a_typed_site_timepoint_or_pseudonym_comes_out_defused(tmp_path: Path, typed: str) -> None:
    study = PortfolioStudy("1004321", "56789", "Study", "Sponsor", "CI", Phase.NOT_APPLICABLE, "P1",
                           frozenset({typed}), (typed,))
    report = count_activity(
        [study],
        arrivals=[StudyArrived("P1", typed, typed, "1.2.9", WHEN), StudyArrived("P1", typed, typed, "1.2.10", WHEN)],
        enrolments=[ParticipantEnrolled("P1", typed, typed, WHEN)],
    )
    monthly, upload = tmp_path / "activity.csv", tmp_path / "upload.csv"
    write_monthly_activity(report, monthly)
    write_portfolio_upload(report, upload)
    (row,) = _rows(monthly)
    assert row["site"] == "'" + typed
    assert (row["recruited"], row["scans"], row[f"scans:{typed}"]) == ("1", "2", "2")  # numbers, not defused
    (entry,) = _rows(upload)
    assert entry["Study Site"] == entry["Unique ID"] == "'" + typed
    assert (entry["Study Identifier"], entry["Activity Date"]) == ("56789", "2025-07-01")


def test_ordinary_values_are_unchanged(tmp_path: Path) -> None:
    study = PortfolioStudy("1004321", "56789", "Study", "Sponsor", "CI", Phase.NOT_APPLICABLE, "P1",
                           frozenset({"RGT"}), ("month-12",))
    report = count_activity([study], arrivals=[StudyArrived("P1", "RGT", "month-12", "1.2.9", WHEN)],
                            enrolments=[ParticipantEnrolled("P1", "RGT", "P1-0001", WHEN)])
    write_monthly_activity(report, tmp_path / "a.csv")
    write_portfolio_upload(report, tmp_path / "u.csv")
    (row,) = _rows(tmp_path / "a.csv")
    assert (row["site"], row["scans:month-12"], row["recruited"]) == ("RGT", "1", "1")
    assert _rows(tmp_path / "u.csv")[0]["Unique ID"] == "P1-0001"
