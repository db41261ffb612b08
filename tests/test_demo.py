"""`imaging-hub demo --once`: the whole network comes up, filters, de-identifies and delivers, then stops."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from imaging_hub.demo.rooms.assurance import CHANGE_AT
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
    _assert_rooms_shown(folder, result.stdout)
    assert "is running" not in result.stdout and "password" not in result.stdout  # --once leaves nothing running

    hub_bytes = b"".join(p.read_bytes() for p in (folder / "hub").rglob("*") if p.is_file())
    demo_log = (folder / "demo.log").read_bytes()  # the modalities' side: warnings only, no values
    for site in build_sample():
        for patient in site.patients:
            for value in (patient.patient.patient_id, patient.patient.nhs_number, patient.patient.name.split("^")[0]):
                assert value.encode() not in hub_bytes
                assert value.encode() not in demo_log


def test_demo_refuses_to_empty_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("not a demo")
    result = subprocess.run(
        [sys.executable, "-m", "imaging_hub", "demo", "--once", "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    assert result.returncode == 1
    assert "is not a demo folder" in result.stdout
    assert (tmp_path / "precious.txt").exists()


def _assert_rooms_shown(folder: Path, stdout: str) -> None:
    """After delivery the demo runs quality, labelling, assurance and network operations on the hub's data."""
    quality = json.loads((folder / "quality" / "quality.json").read_text())
    assert quality["sites"]["RX1"] == {"series": 6, "conformant": 6}
    problems = {(s["site"], p["rule"], p["attribute"]) for s in quality["series"] for p in s["problems"]}
    assert problems == {("RY2", "max", "SliceThickness"), ("RZ3", "min_snr", "snr")}  # the two planted ones
    assert "SliceThickness 5 (expected max <= 3)" in stdout
    assert "CT chest: snr" in stdout

    labels = json.loads((folder / "labelling.json").read_text())
    pair = labels["agreement"]["questions"][0]["cohen"][0]
    assert pair["subjects"] == 7 and 0 < pair["kappa"] < 1  # one disagreement among the studies both read
    assert {r: t["done"] for r, t in labels["progress"]["readers"].items()} == {
        "reader.one@university.example": 8, "reader.two@university.example": 8}
    assert f"Cohen's kappa {pair['kappa']:.2f}" in stdout

    assurance = folder / "assurance"
    validation = json.loads((assurance / "validation.json").read_text())
    assert len(validation["sites"]) == 3 and 0.5 < validation["auc"]["estimate"] <= 1
    assert (assurance / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "<html" in (assurance / "report.html").read_text().lower()
    alarms = json.loads((assurance / "monitor.json").read_text())["alarms"]
    assert alarms and min(a["index"] for a in alarms) >= CHANGE_AT  # none before the planted change
    assert any(a["method"] == "drift" and "software_version" in a["detail"] for a in alarms)
    assert f"AUC {validation['auc']['estimate']:.3f}" in stdout and f"alarm ({alarms[0]['method']})" in stdout
    registered = json.loads((assurance / "register" / "register.json").read_text())  # the ONNX tool's run
    onnx_validation = json.loads((assurance / "register" / "validation" / "validation.json").read_text())
    assert onnx_validation["n"] == 9 and registered["auc"] == onnx_validation["auc"]
    assert registered["alarms"] == len(alarms) and "AI tool register: Demo dense-finding detector" in stdout
    readers = json.loads((assurance / "reader-study.json").read_text())["analysis"]  # read without and with AI
    assert (readers["readers"], readers["cases"]) == (2, 9) and set(readers["modalities"]) == {"unaided", "aided"}
    assert 0 <= readers["comparisons"][0]["p_value"] <= 1 and "reader_auc" not in readers
    assert f"/assurance/reader-studies/{json.loads((assurance / 'reader-study.json').read_text())['reader_study']}" \
        in stdout

    with (folder / "network" / "plan.csv").open() as handle:
        plan = list(csv.DictReader(handle))
    assert plan and all(row["slot_id"] for row in plan)
    with (folder / "network" / "assignments.csv").open() as handle:
        assignments = list(csv.DictReader(handle))
    assert {row["task_id"] for row in assignments} == {f"W{i:02d}" for i in range(1, 11)}
    assert any(row["reporter_id"] for row in assignments)
    assert "Research scan capacity" in stdout and "Reporting worklist" in stdout
    # Network operations are kept in the hub's room too, so its capacity, worklist and dashboard pages show them.
    summary = json.loads((folder / "network" / "summary.json").read_text())
    held = summary["hub_room"]
    assert held["tasks"] == 10 and held["bookings"] == len(plan) and held["reported"] >= 1
    # The catalogue: the snapshot the demo released, from the hub itself, beside the repositories it lists.
    assert summary["catalogue"]["snapshots"] and "lidc-idri" in summary["catalogue"]["listed"]
    # The portfolio study: its timepoint from the protocol, its arrivals and the labelling reads priced as costs.
    portfolio = summary["portfolio"]
    assert portfolio["timepoints"] == ["baseline"] and portfolio["reads_per_participant"] >= 1
    # Reads done: the labelling task's 16 plus every reader-study read (each reader, each case, both conditions).
    study_reads = len(readers["modalities"]) * readers["readers"] * readers["cases"]
    assert portfolio["scans"] >= 9 and portfolio["reads"] == 16 + study_reads and portfolio["cost_lines"] > 0
    assert all(float(portfolio["by_category"][c]) > 0 for c in ("Research Part A", "Research Part B",
                                                                "NHS Support", "NHS Treatment"))
