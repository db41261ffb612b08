"""No identifiable value reaches the hub's output, whatever the input: valid, invalid or truncated instances
through STOW-RS and C-STORE, with the most verbose logging our own code does."""

from __future__ import annotations

import io
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study

PLANTED_NAME = "ZZPLANTEDFAMILY^QQGIVEN"
PLANTED_ID = "PLANTID7741"
PLANTED_BIRTH = "QQDOB7741"  # not a DA: pydicom quotes it when warning


def _instances() -> list[bytes]:
    """A valid instance, one with over-long (invalid) identifying values, and truncated copies of both."""
    patient = SyntheticPatient.make(random.Random(5))
    datasets = list(make_study(patient, StudySpec(series=1, instances_per_series=2, rows=8, columns=8), seed=9))
    valid, invalid = datasets
    for ds in datasets:
        ds.PatientName = PLANTED_NAME
        ds.PatientID = PLANTED_ID
    # Values pydicom warns about, quoting them, when read or validated.
    invalid.PatientID = PLANTED_ID * 8
    invalid.AccessionNumber = PLANTED_ID + "X" * 30
    invalid.PatientBirthDate = PLANTED_BIRTH
    encoded = []
    for ds in (valid, invalid):
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        encoded.append(buffer.getvalue())
    return encoded + [blob[: len(blob) - 40] for blob in encoded] + [encoded[0][:700]]


def _multipart(part: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part
            + f"\r\n--{boundary}--\r\n".encode())
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


def _wait_for(process: subprocess.Popen[str], pattern: str, seen: list[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match.group(1)
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"hub did not print {pattern!r}")


@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning", "ignore:The value length:UserWarning")
@pytest.mark.parametrize("channel", ["stow", "cstore"])
def test_hub_output_never_carries_planted_identity(tmp_path: Path, channel: str) -> None:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONWARNINGS": "always"}
    process = subprocess.Popen(
        [sys.executable, "-m", "imaging_hub", "serve", "--data", str(tmp_path / "hub"), "--http-port", "0",
         "--dicom-port", "0", "--open-access"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen: list[str] = []
    try:
        url = _wait_for(process, r"DICOMweb\s+(\S+)", seen)
        dicom_port = _wait_for(process, r"DICOM\s+IMAGINGHUB@[^:]+:(\d+)", seen)
        statuses = []
        for index, blob in enumerate(_instances()):
            if channel == "stow":
                body, content_type = _multipart(blob)
                response = httpx.post(f"{url}/studies", content=body, headers={"Content-Type": content_type},
                                      timeout=30)
                statuses.append(response.status_code)
                assert PLANTED_NAME.split("^")[0] not in response.text
                assert PLANTED_ID not in response.text
                assert PLANTED_BIRTH not in response.text
            else:
                path = tmp_path / f"{index}.dcm"
                path.write_bytes(blob)
                result = subprocess.run(
                    ["storescu", "-aec", "IMAGINGHUB", "127.0.0.1", dicom_port, str(path)],
                    capture_output=True, text=True, timeout=60)
                statuses.append(result.returncode)
        assert httpx.get(f"{url}/studies", timeout=10).status_code == 200  # still serving
        if channel == "stow":
            assert statuses[0] == 200 and 409 in statuses  # the valid one stored, broken ones refused
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        seen.append(output)
    log = "".join(seen)
    assert "Imaging Hub stopped" in log
    for planted in (PLANTED_NAME, PLANTED_NAME.split("^")[0], "QQGIVEN", PLANTED_ID, PLANTED_BIRTH):
        assert planted not in log
