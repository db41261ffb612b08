"""``imaging-hub capacity allocate`` end to end on CSV files written here."""

from __future__ import annotations

import csv
from pathlib import Path

from icalendar import Calendar
from typer.testing import CliRunner

from imaging_hub.cli import app

runner = CliRunner()

SITES = "site,name,lat,lon\nA,Leeds,53.8008,-1.5491\nB,Sheffield,53.3811,-1.4701\n"
SCANNERS = """scanner_id,site,modality,manufacturer,model,field_strength,software_version,capabilities,weekly_hours
A-MR1,A,MR,Siemens,Vida,3,XA50,contrast;dwi,60
B-MR1,B,MR,GE,Premier,3,MR30,dwi,50
"""
SESSIONS = """session_id,scanner_id,weekday,start,end,cancelled,added
A-eve,A-MR1,Mon,17:00,18:00,2025-03-10,
B-eve,B-MR1,Wed,17:00,18:30,,2025-03-08
"""
HEADER = "visit_id,participant,project,timepoint,minutes,modality,capabilities,earliest,latest,same_scanner"
REQUESTS = f"""{HEADER},previous_scanner,home_lat,home_lon
v1,P1,BRAIN,baseline,45,MR,contrast,2025-03-03,2025-03-14,,,53.82,-1.58
v2,P2,BRAIN,baseline,30,MR,dwi,2025-03-03,2025-03-14,,B-MR1,53.82,-1.58
v3,P3,BRAIN,baseline,30,MR,spectroscopy,2025-03-03,2025-03-14,,,,
"""


def _write(tmp_path: Path, **override: str) -> list[str]:
    files = {"requests": REQUESTS, "sessions": SESSIONS, "scanners": SCANNERS, "sites": SITES, **override}
    paths = []
    for name in ("requests", "sessions", "scanners", "sites"):
        path = tmp_path / f"{name}.csv"
        path.write_text(files[name])
        paths.append(str(path))
    return paths


def _run(tmp_path: Path, *extra: str, **override: str):  # type: ignore[no-untyped-def]
    out = tmp_path / "plan.csv"
    args = ["capacity", "allocate", *_write(tmp_path, **override), "--from", "2025-03-03", "--weeks", "2"]
    return runner.invoke(app, [*args, "--out", str(out), *extra]), out


def test_allocates_writes_the_plan_and_one_calendar_per_site(tmp_path: Path) -> None:
    result, out = _run(tmp_path, "--calendars", str(tmp_path / "ics"))
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        rows = {row["visit_id"]: row for row in csv.DictReader(handle)}
    assert (rows["v1"]["slot_id"], rows["v1"]["wait_days"], rows["v1"]["site"]) == ("A-eve@2025-03-03", "0", "A")
    assert rows["v2"]["scanner_id"] == "B-MR1" and rows["v2"]["slot_id"] == "B-eve@2025-03-05"
    assert rows["v3"]["slot_id"] == "" and "spectroscopy" in rows["v3"]["reason"]
    assert "Allocated 2 of 3 visit(s) (optimal" in result.output
    leeds = Calendar.from_ical((tmp_path / "ics" / "A.ics").read_bytes())
    uids = sorted(str(e["UID"]) for e in leeds.walk("VEVENT"))
    assert uids == ["session-A-eve@2025-03-03@imaging-hub", "visit-v1@imaging-hub"]  # the 10th is cancelled
    sheffield = Calendar.from_ical((tmp_path / "ics" / "B.ics").read_bytes())
    assert "session-B-eve@2025-03-08@imaging-hub" in {str(e["UID"]) for e in sheffield.walk("VEVENT")}  # added


def test_bad_files_are_refused_naming_row_and_column(tmp_path: Path) -> None:
    result, out = _run(tmp_path, sessions=SESSIONS.replace("Wed,17:00", "Wed,5pm"))
    assert result.exit_code == 2
    assert "sessions.csv row 3, column 'start'" in result.output
    assert not out.exists()
    result, _ = _run(tmp_path, requests=REQUESTS.replace("v2,P2,BRAIN,baseline,30", "v2,P2,BRAIN,baseline,-5"))
    assert "requests.csv row 3, column 'minutes'" in result.output
    result, _ = _run(tmp_path, requests=REQUESTS.replace(",B-MR1,", ",Z-MR9,"))
    assert "requests.csv row 3, column 'previous_scanner'" in result.output
    result, _ = _run(tmp_path, scanners=SCANNERS.replace("B-MR1,B,", "B-MR1,Q,"))
    assert "scanners.csv row 3, column 'site': site Q is not in sites.csv" in result.output
    result, _ = _run(tmp_path, requests=REQUESTS.replace("2025-03-03,2025-03-14,,,,", "2025-03-14,2025-03-03,,,,"))
    assert "requests.csv row 4, column 'latest'" in result.output
    result, _ = _run(
        tmp_path,
        sessions=SESSIONS.replace("A-eve,A-MR1,Mon,17:00,18:00,2025-03-10", "A-eve,A-MR1,Mon,17:00,18:00,2025-03-11"),
    )
    assert "sessions.csv row 2, column 'cancelled'" in result.output


def test_help_documents_the_columns() -> None:
    result = runner.invoke(app, ["capacity", "allocate", "--help"])
    assert result.exit_code == 0
    for column in ("previous_scanner", "weekly_hours", "cancelled", "distance_km"):
        assert column in result.output
