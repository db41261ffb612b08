"""Pieces of the transfer: backoff with jitter, the STOW-RS body and response, WADO multipart, disk guard."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from imaging_hub.spoke.delivery.backoff import backoff_delay
from imaging_hub.spoke.delivery.multipart import MultipartError, boundary_of, iter_parts
from imaging_hub.spoke.delivery.stow import multipart_body, multipart_length, parse_stow_response
from imaging_hub.spoke.intake.diskguard import DiskGuard


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(60.0, 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(backoff_delay(5, 1.0, 60.0, rng), 6) for _ in range(20)}) > 1  # jitter spreads spokes
    assert backoff_delay(0, 1.0, 60.0) == 0.0


def test_stow_body_parses_back_into_its_parts(tmp_path: Path) -> None:
    files = []
    for i in range(3):
        path = tmp_path / f"{i}.dcm"
        path.write_bytes(bytes([i]) * (1000 + i) + b"\r\n--not-the-boundary\r\n")
        files.append(path)
    body = b"".join(multipart_body(files, "b0undary"))
    chunks = [body[i:i + 7] for i in range(0, len(body), 7)]  # awkward chunking
    parts = list(iter_parts(chunks, "b0undary"))
    assert parts == [p.read_bytes() for p in files]
    with pytest.raises(MultipartError):
        list(iter_parts([body[: len(body) // 2]], "b0undary"))
    assert boundary_of('multipart/related; type="application/dicom"; boundary="abc"') == "abc"


def test_stow_body_length_is_known_before_it_is_read(tmp_path: Path) -> None:
    files = []
    for i in range(4):
        path = tmp_path / f"{i}.dcm"
        path.write_bytes(bytes([i]) * (513 * i))  # the first one empty
        files.append(path)
    for paths in (files, files[:1], []):
        assert multipart_length(paths, "b0undary") == len(b"".join(multipart_body(paths, "b0undary")))


def test_stow_response_reading() -> None:
    body = {
        "00081199": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2.3"]}}]},
        "00081198": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2.4"]},
                                            "00081197": {"vr": "US", "Value": [0xA700]}}]},
    }
    response = parse_stow_response(body)
    assert response.referenced == {"1.2.3"} and response.failed == {"1.2.4": 0xA700}
    with pytest.raises(ValueError):
        parse_stow_response("nonsense")


def test_disk_guard_states(tmp_path: Path) -> None:
    assert DiskGuard(tmp_path, 1).accepting()
    full = DiskGuard(tmp_path, 1 << 62).state()
    assert not full.accepting and "NOT ACCEPTING" in full.describe()
