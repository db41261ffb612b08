"""``imaging-hub quality check`` and ``quality run`` on a folder, as a site or the hub would use them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
from quality_phantoms import COLUMNS, PROTOCOL, ROWS, disk, magnitude_with_noise, series, set_pixels, write
from typer.testing import CliRunner

from imaging_hub.cli import app

runner = CliRunner()


@pytest.fixture
def site_folder(tmp_path: Path) -> Path:
    """A good CT chest series, an MR brain series with the wrong echo time, a scout, and a stray text file."""
    root = tmp_path / "scanner-test"
    rng = np.random.default_rng(31)
    ct = series("CT", 6)
    for ds in ct:
        set_pixels(ds, disk(0.0, -1000.0) + rng.normal(0, 10, (ROWS, COLUMNS)))
    mr = series("MR", 6, seed=2)
    for ds in mr:
        ds.EchoTime = "30"
        set_pixels(ds, magnitude_with_noise(disk(400.0), 10, rng))
    scout = series("CT", 1, seed=3, description="SCOUT")
    for ds in scout:
        set_pixels(ds, disk(0.0, -1000.0))
    for ds in mr + scout:  # one study, as a scanner's acceptance test would be
        ds.StudyInstanceUID = ct[0].StudyInstanceUID
    write(ct, root / "ct")
    write(mr, root / "mr")
    write(scout, root / "scout")
    (root / "notes.txt").write_text("scanner acceptance test, March")
    return root


@pytest.fixture
def protocol_file(tmp_path: Path) -> Path:
    path = tmp_path / "protocol.toml"
    path.write_text(PROTOCOL)
    return path


def test_check_writes_the_report_and_exits_0_without_strict(site_folder: Path, protocol_file: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["quality", "check", str(site_folder), "--protocol", str(protocol_file),
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    by_name = {s["matched"]: s for s in report["series"]}
    assert set(by_name) == {"CT chest", "T1 brain", "Scout"}
    assert by_name["CT chest"]["conformant"] is True and by_name["CT chest"]["problems"] == []
    assert by_name["CT chest"]["metrics"]["ct_air_hu"] == pytest.approx(-1000, abs=2)
    (problem,) = by_name["T1 brain"]["problems"]
    assert problem == {"rule": "max", "attribute": "EchoTime", "expected": "<= 20", "found": "30", "instances": 6}
    assert by_name["T1 brain"]["conformant"] is False
    assert report["missing"] == []
    assert report["skipped"] == [{"path": str(site_folder / "notes.txt"), "reason": "not a DICOM file"}]
    assert "notes.txt: not a DICOM file" in result.output
    assert "3 series checked, 1 not conformant" in result.output


def test_strict_exits_1_and_names_the_missing_series(site_folder: Path, protocol_file: Path,
                                                     tmp_path: Path) -> None:
    for path in (site_folder / "mr").iterdir():
        path.unlink()
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["quality", "check", str(site_folder), "--protocol", str(protocol_file),
                                 "--json", str(out), "--strict"])
    assert result.exit_code == 1, result.output
    assert json.loads(out.read_text())["missing"] == ["T1 brain"]
    assert "missing required series: T1 brain" in result.output


def test_a_bad_protocol_exits_2_naming_the_file_and_field(site_folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(PROTOCOL.replace("EchoTime = { max = 20 }", "EchoTime = { min = 30, max = 20 }"))
    result = runner.invoke(app, ["quality", "check", str(site_folder), "--protocol", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: series 'T1 brain', field attributes.EchoTime: min 30 is above max 20" in result.output


def test_run_on_a_local_cluster_is_resumable(site_folder: Path, protocol_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    args = ["quality", "run", str(site_folder), "--out", str(out), "--protocol", str(protocol_file),
            "--threads", "--workers", "1"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "3 series assessed, 0 already done, 0 failed" in first.output
    lines = (out / "qc-records.jsonl").read_text().splitlines()
    assert len(lines) == 3
    assert json.loads((out / "outliers.json").read_text()) == []
    second = runner.invoke(app, args)
    assert "0 series assessed, 3 already done" in second.output


def test_a_project_at_the_hub_gets_a_protocol_version_and_a_resumable_run(site_folder: Path, protocol_file: Path,
                                                                         tmp_path: Path) -> None:
    from imaging_hub.config import HubSettings
    from imaging_hub.governance import AuditFilter, Governance
    from imaging_hub.quality import QualityRoom
    from imaging_hub.store import Archive

    data = tmp_path / "hub"
    with Archive.open(data) as archive:
        for path in sorted(site_folder.rglob("*.dcm")):
            ds = pydicom.dcmread(path)
            ds.ClinicalTrialProtocolID = "NET1"
            ds.save_as(path)
            archive.store_file(path)
    hub = ["--data", str(data)]
    saved = runner.invoke(app, ["quality", "protocol", "NET1", str(protocol_file), *hub])
    assert saved.exit_code == 0 and "protocol version 1 saved" in saved.output, saved.output
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(PROTOCOL.replace("[[series]]", "[[serie]]", 1))
    assert runner.invoke(app, ["quality", "protocol", "NET1", str(wrong), *hub]).exit_code == 2

    args = ["quality", "run", "--project", "NET1", "--threads", "--workers", "1", *hub]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "NET1: 3 series assessed, 0 already done, 0 failed" in first.output
    assert "NET1: 0 series assessed, 3 already done" in runner.invoke(app, args).output
    assert runner.invoke(app, ["quality", "run", "--project", "NET1", str(site_folder), *hub]).exit_code == 2

    with Archive.open(data) as archive:
        records = QualityRoom.open(archive.database.writer).records("NET1")
    echo = next(r for r in records if r.conformance.matched == "T1 brain")
    assert [(p.attribute, p.found) for p in echo.conformance.problems] == [("EchoTime", "30")]
    gov = Governance.open_hub(HubSettings(data=data))
    try:
        actions = [(e.action, e.outcome) for e in gov.audit.entries(AuditFilter(action="quality."))]
    finally:
        gov.close()
    assert sorted(actions) == [("quality.protocol.save", "failed"), ("quality.protocol.save", "success"),
                               ("quality.run", "success"), ("quality.run", "success")]
