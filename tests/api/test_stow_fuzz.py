"""Corrupted and truncated DICOM through STOW-RS: each refused cleanly, server up, archive consistent."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.hub import HubFactory, part10, study

# Corrupted input makes pydicom (here, and in the sending client) warn, quoting the damaged synthetic values.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydicom")

STOW_TYPE = 'multipart/related; type="application/dicom"; boundary=FuzzB0undary'
EXAMPLES = int(os.environ.get("IMAGING_HUB_FUZZ_EXAMPLES", "40"))


def _files(data_dir: Path) -> set[Path]:
    return {p for p in (data_dir / "blobs").rglob("*") if p.is_file()}


def test_corrupt_instances_are_refused_and_leave_no_trace(start_hub: HubFactory) -> None:
    hub = start_hub()
    seed = study(31, series=1, per_series=1)[0]
    valid = part10(seed)
    assert httpx.post(f"{hub.url}/dicom-web/studies", headers={"Content-Type": STOW_TYPE},
                      content=b"--FuzzB0undary\r\n\r\n" + valid + b"\r\n--FuzzB0undary--").status_code == 200
    fresh = part10(study(32, series=1, per_series=1)[0])  # never stored: a truncation of it must not be
    count, files = hub.archive.count_instances(), _files(hub.data_dir)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(cut=st.integers(0, len(fresh) - 1),
           flips=st.lists(st.tuples(st.integers(0, len(fresh) - 1), st.integers(1, 255)), max_size=8),
           truncate=st.booleans())
    def post_corrupted(cut: int, flips: list[tuple[int, int]], truncate: bool) -> None:
        data = bytearray(fresh)
        for index, xor in flips:
            data[index] ^= xor
        if truncate or not flips:
            data = data[:cut]
        response = httpx.post(f"{hub.url}/dicom-web/studies", headers={"Content-Type": STOW_TYPE}, timeout=30,
                              content=b"--FuzzB0undary\r\n\r\n" + bytes(data) + b"\r\n--FuzzB0undary--")
        assert response.status_code in (200, 400, 409), response.text
        if response.status_code == 200:
            # a flip that left a valid instance (e.g. inside pixel data) is stored once: remove it again
            uid = response.json()["00081199"]["Value"][0]["00081155"]["Value"][0]
            assert hub.archive.get(uid) is not None
            hub.archive.delete(hub.archive.get(uid).study_instance_uid)  # type: ignore[union-attr]
        else:
            assert "00081198" in response.json()
        assert hub.archive.count_instances() == count
        assert _files(hub.data_dir) == files
        assert httpx.get(f"{hub.url}/healthz").status_code == 200

    post_corrupted()
    retrieved = httpx.get(f"{hub.url}/dicom-web/studies/{seed.StudyInstanceUID}")
    assert retrieved.status_code == 200 and valid in retrieved.content
