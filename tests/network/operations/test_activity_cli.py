"""``imaging-hub activity count``: the monthly and portfolio CSVs from a hub's real arrivals; bad study files
refused by row and column; no hub, no folder created."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from imaging_hub.cli import app
from imaging_hub.store import Archive
from network.operations.test_hub_activity import _store

runner = CliRunner()
STUDIES = """iras_id,cpms_id,title,sponsor,chief_investigator,phase,project,sites,timepoints,reads_per_participant
312345,54321,Lung nodule AI,University,Prof CI,N/A,LUNG1,RXX;RYY,baseline;month-6,2
"""


def test_counts_written_from_the_hub(tmp_path: Path) -> None:
    studies = tmp_path / "studies.csv"
    studies.write_text(STUDIES)
    missing = runner.invoke(
        app, ["activity", "count", str(studies), "--out", str(tmp_path / "m.csv"), "--data", str(tmp_path / "nohub")]
    )
    assert missing.exit_code == 2 and not (tmp_path / "nohub").exists()
    archive = Archive.open(tmp_path / "hub")
    _store(archive, 1, "RXX", "baseline", "LUNG1-001")
    _store(archive, 2, "RXX", "month-6", "LUNG1-001")
    _store(archive, 3, "RYY", "baseline", "LUNG1-002")
    archive.close()
    out, upload = tmp_path / "monthly.csv", tmp_path / "portfolio.csv"
    done = runner.invoke(
        app,
        [
            "activity",
            "count",
            str(studies),
            "--out",
            str(out),
            "--portfolio",
            str(upload),
            "--data",
            str(tmp_path / "hub"),
        ],
    )
    assert done.exit_code == 0, done.output
    rows = {r["site"]: r for r in csv.DictReader(out.open())}
    assert (rows["RXX"]["scans"], rows["RXX"]["recruited"], rows["RYY"]["scans"]) == ("2", "1", "1")
    assert len(list(csv.DictReader(upload.open()))) == 2
    studies.write_text(STUDIES.replace("N/A", "Phase 9"))
    bad = runner.invoke(app, ["activity", "count", str(studies), "--out", str(out), "--data", str(tmp_path / "hub")])
    assert bad.exit_code == 2 and "row 2, column 'phase'" in bad.output
