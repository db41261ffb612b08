"""PLAN.csv defuses ids and names typed into the batch files that a spreadsheet would run as a formula; the
minutes, waits and distances stay numbers."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from imaging_hub.network.capacity import allocate, read_register, read_requests, write_plan

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA = tuple("=+-@\t\r")


def _file(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)  # what an attacker's upload holds: the raw text
    return path


def _plan(tmp_path: Path, site: str, scanner: str, session: str, visit: str, project: str) -> list[dict[str, str]]:
    sites = _file(tmp_path / "sites.csv", [["site", "lat", "lon"], [site, "53.8", "-1.5"]])
    scanners = _file(tmp_path / "scanners.csv", [["scanner_id", "site", "modality", "manufacturer", "model"],
                                                 [scanner, site, "MR", project, project]])
    sessions = _file(tmp_path / "sessions.csv", [["session_id", "scanner_id", "weekday", "start", "end"],
                                                 [session, scanner, "Mon", "17:00", "18:00"]])
    requests = _file(tmp_path / "requests.csv", [
        ["visit_id", "participant", "project", "timepoint", "minutes", "modality", "earliest", "latest", "home_lat",
         "home_lon"],
        [visit, project, project, project, "45", "MR", "2025-03-03", "2025-03-14", "53.82", "-1.58"],
        ["v2", "P2", "BRAIN", "baseline", "45", "CT", "2025-03-03", "2025-03-14", "", ""],
    ])
    register = read_register(sites, scanners, sessions)
    plan = allocate(read_requests(requests, register), register, date(2025, 3, 3), 2, time_limit_s=10.0, workers=1)
    write_plan(tmp_path / "plan.csv", plan)
    with (tmp_path / "plan.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("typed", HOSTILE)
def test_typed_ids_come_out_defused(tmp_path: Path, typed: str) -> None:
    booked, unbooked = _plan(tmp_path, typed, typed, typed, typed, typed)
    name = typed.strip()  # the batch reader trims every cell
    assert booked["visit_id"] == booked["project"] == booked["timepoint"] == "'" + name
    assert booked["site"] == booked["scanner_id"] == "'" + name
    assert booked["slot_id"] == f"'{name}@2025-03-03"
    assert (booked["minutes"], booked["wait_days"]) == ("45", "0")
    assert float(booked["distance_km"]) >= 0.0  # a number, not text
    assert unbooked["visit_id"] == "v2" and unbooked["slot_id"] == ""
    assert not any(cell.startswith(FORMULA) for row in (booked, unbooked) for cell in row.values())


def test_ordinary_ids_are_unchanged(tmp_path: Path) -> None:
    booked, _ = _plan(tmp_path, "A", "A-MR1", "A-eve", "v1", "BRAIN")
    assert (booked["visit_id"], booked["site"], booked["slot_id"]) == ("v1", "A", "A-eve@2025-03-03")
    assert booked["distance_km"] == "5.7" and booked["start"].startswith("2025-03-03T17:00")
