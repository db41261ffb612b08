"""QC as Dask jobs on a real LocalCluster: every series assessed once; a second run skips what is done."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from quality_phantoms import COLUMNS, PROTOCOL, ROWS, disk, series, set_pixels, write

from imaging_hub.quality import ClusterChoice, ResultLog, parse_protocol, run_quality_jobs, scan_folder

THREADS = ClusterChoice(n_workers=2, processes=False)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    rng = np.random.default_rng(21)
    for seed in (1, 2, 3):
        headers = series("CT", 4, seed=seed)
        for ds in headers:
            set_pixels(ds, disk(0.0, -1000.0) + rng.normal(0, 10, (ROWS, COLUMNS)))
        write(headers, root / f"study{seed}")
    return root


def test_a_run_assesses_every_series_and_a_second_run_skips_them(archive: Path, tmp_path: Path) -> None:
    log = ResultLog(tmp_path / "results" / "qc.jsonl")
    protocol = parse_protocol(PROTOCOL)
    scan = scan_folder(archive)
    assert len(scan.series) == 3
    first = run_quality_jobs(scan.series, log, protocol=protocol, cluster=THREADS)
    assert (first.assessed, first.already_done, first.failed) == (3, 0, [])
    records = log.latest()
    assert set(records) == {s.series_instance_uid for s in scan.series}
    for record in records.values():
        assert record.conformance.matched == "CT chest" and record.conformance.conformant
        assert record.conformance.metrics["ct_water_hu"] == pytest.approx(0.0, abs=1.5)
        assert record.protocol == "NET-CHEST-BRAIN 1.2"

    again = run_quality_jobs(scan_folder(archive).series, log, protocol=protocol, cluster=THREADS)
    assert (again.assessed, again.already_done) == (0, 3)
    assert len(log.path.read_text().splitlines()) == 3


def test_a_changed_series_or_protocol_version_is_assessed_again(archive: Path, tmp_path: Path) -> None:
    log = ResultLog(tmp_path / "qc.jsonl")
    protocol = parse_protocol(PROTOCOL)
    run_quality_jobs(scan_folder(archive).series, log, protocol=protocol, cluster=THREADS)
    changed = next((archive / "study2").iterdir())
    ds = dcmread(changed)
    ds.KVP = "140"
    ds.save_as(changed)
    summary = run_quality_jobs(scan_folder(archive).series, log, protocol=protocol, cluster=THREADS)
    assert (summary.assessed, summary.already_done) == (1, 2)
    latest = log.latest()[str(ds.SeriesInstanceUID)]
    assert [p.rule for p in latest.conformance.problems] == ["one_of"]

    newer = parse_protocol(PROTOCOL.replace('version = "1.2"', 'version = "1.3"'))
    summary = run_quality_jobs(scan_folder(archive).series, log, protocol=newer, cluster=THREADS)
    assert (summary.assessed, summary.already_done) == (3, 0)


def test_a_line_torn_by_a_crash_is_dropped_and_its_series_run_again(archive: Path, tmp_path: Path) -> None:
    log = ResultLog(tmp_path / "qc.jsonl")
    scan = scan_folder(archive)
    run_quality_jobs(scan.series, log, cluster=THREADS)
    whole = log.path.read_bytes()
    last = whole[:-1].rfind(b"\n") + 1
    log.path.write_bytes(whole[: last + 40])  # the last record half written
    assert len(log.records()) == 2
    summary = run_quality_jobs(scan.series, ResultLog(log.path), cluster=THREADS)
    assert (summary.assessed, summary.already_done) == (1, 2)
    lines = log.path.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["series_instance_uid"] for line in lines)
