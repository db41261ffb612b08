"""`imaging-hub demo --once`: the whole network comes up, filters, de-identifies and delivers, then stops."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from imaging_hub.demo.sample import build_sample


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_runs_a_network_and_no_identity_reaches_the_hub(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "imaging_hub", "demo", "--once", "--data", str(folder),
         "--http-port", str(_free_port()), "--dicom-port", str(_free_port())],
        capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Three sites, three enrolled participants each who are not opted out, one of them seen at all three.
    assert "hub: 9 studies of 7 pseudonymised participants" in result.stdout
    assert "demo network stopped" in result.stdout
    assert "is running" not in result.stdout and "password" not in result.stdout  # --once leaves nothing running

    hub_bytes = b"".join(p.read_bytes() for p in (folder / "hub").rglob("*") if p.is_file())
    for site in build_sample():
        for patient in site.patients:
            for value in (patient.patient.patient_id, patient.patient.nhs_number, patient.patient.name.split("^")[0]):
                assert value.encode() not in hub_bytes


def test_demo_refuses_to_empty_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("not a demo")
    result = subprocess.run(
        [sys.executable, "-m", "imaging_hub", "demo", "--once", "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    assert result.returncode == 1
    assert "is not a demo folder" in result.stdout
    assert (tmp_path / "precious.txt").exists()
