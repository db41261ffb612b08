"""``imaging-hub serve`` as a real subprocess: both services answer, SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from pynetdicom import AE
from pynetdicom.sop_class import Verification


def _wait_for_line(process: subprocess.Popen[str], pattern: str, timeout: float = 60) -> re.Match[str]:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r}; output: {''.join(seen)[-2000:]}")


def test_serve_answers_http_and_dicom_then_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "imaging_hub", "serve", "--data", str(tmp_path / "hub"), "--http-port", "0",
         "--dicom-port", "0", "--ae-title", "TESTHUB", "--open-access"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url = _wait_for_line(process, r"DICOMweb\s+(\S+)").group(1)
        dicom_port = int(_wait_for_line(process, r"DICOM\s+TESTHUB@[^:]+:(\d+)").group(1))
        response = httpx.get(f"{url}/studies", timeout=10)
        assert response.status_code == 200
        assert response.json() == []
        ae = AE(ae_title="TESTSCU")
        ae.add_requested_context(Verification)
        association = ae.associate("127.0.0.1", dicom_port, ae_title="TESTHUB")
        assert association.is_established
        assert association.send_c_echo().Status == 0
        association.release()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert process.stdout is not None
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_reports_a_bad_peer(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "imaging_hub", "serve", "--data", str(tmp_path / "hub"), "--peer", "nonsense"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "AETITLE@host:port" in result.stdout


def test_serve_is_governed_unless_asked_for_open_access(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "imaging_hub", "serve", "--data", str(tmp_path / "hub"), "--http-port", "0",
         "--dicom-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url = _wait_for_line(process, r"DICOMweb\s+(\S+)").group(1)
        assert httpx.get(f"{url}/studies", timeout=10).status_code == 401
        web = url.removesuffix("/dicom-web")
        sign_in = httpx.get(f"{web}/", timeout=10, follow_redirects=True)
        assert sign_in.status_code == 200
        assert "Sign in" in sign_in.text
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_serve_refuses_half_a_tls_configuration(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "imaging_hub", "serve", "--data", str(tmp_path / "hub"),
         "--tls-cert", str(tmp_path / "missing.pem")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--tls-cert and --tls-key go together" in result.stdout
