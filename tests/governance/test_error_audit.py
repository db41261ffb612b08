"""Audit gaps, probed over the governed app: a request that crashes (500) is recorded with its route, its
caller and outcome 'error' and nothing identifying; a STOW the caller may not make is recorded as denied."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imaging_hub.governance import AuditFilter, Governance, SettableClock

from .hub import Hub, build_hub, study_bytes
from .network import PASSWORD, START


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, tmp_path / "archive")
    yield built
    built.archive.close()
    gov.close()


def _signed_in(hub: Hub, email: str) -> TestClient:
    client = TestClient(hub.app, raise_server_exceptions=False)
    assert client.post("/api/governance/session", json={"email": email, "password": PASSWORD}).status_code == 200
    return client


def test_a_request_ending_in_500_is_audited_without_identifiable_values(hub: Hub) -> None:
    study, series, sop = hub.instances["LUNG1"]
    (stored,) = hub.archive.instances(study, series, sop)
    stored.path.unlink()  # the file is gone from under the index: reading it crashes
    client = _signed_in(hub, "res@uni.example")
    answer = client.get(f"/dicom-web/studies/{study}/series/{series}/instances/{sop}/rendered")
    assert answer.status_code == 500
    (entry,) = hub.gov.audit.entries(AuditFilter(action="http.error"))
    assert (entry.actor, entry.outcome, entry.entity_type) == ("res@uni.example", "error", "route")
    assert entry.entity_id == "/dicom-web/studies/{study}/series/{series}/instances/{instance}/rendered"
    assert json.loads(entry.detail) == {"method": "GET", "status": 500, "error": "FileNotFoundError"}
    assert sop not in entry.detail and study not in entry.entity_id
    assert hub.gov.verify_audit().ok


def test_an_unauthorised_stow_is_recorded_as_denied(hub: Hub) -> None:
    client = _signed_in(hub, "res@uni.example")  # a researcher: reads LUNG1, may write nowhere
    parts = study_bytes("LUNG1", "RXX", 99)
    body = b"".join(b"--B\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n" for p in parts) + b"--B--\r\n"
    answer = client.post("/dicom-web/studies", content=io.BytesIO(body).getvalue(),
                         headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=B'})
    assert answer.status_code in (403, 409)
    stores = hub.gov.audit.entries(AuditFilter(action="dicom.write"))
    assert stores and {e.outcome for e in stores} == {"denied"}
    assert not any(e.outcome == "failed" for e in stores)
