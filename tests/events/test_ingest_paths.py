"""Every way in announces: STOW-RS over the real HTTP app and C-STORE from dcmtk's storescu each emit one
InstanceStored per new instance and nothing for a resend (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from pathlib import Path

from dimse_tools import storescu
from fastapi.testclient import TestClient
from pydicom import dcmread
from samples import study_parts

from imaging_hub.api import create_app
from imaging_hub.dimse import DicomServer
from imaging_hub.events import InstanceStored
from imaging_hub.hub import ArchiveForDicom
from imaging_hub.store import Archive

BOUNDARY = "events-b0undary"


def _stow(client: TestClient, parts: list[bytes]) -> int:
    body = b"".join(f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + p + b"\r\n"
                    for p in parts) + f"--{BOUNDARY}--\r\n".encode()
    answer = client.post("/dicom-web/studies", content=body, headers={
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'})
    return answer.status_code


def _uids(parts: list[bytes]) -> list[str]:
    return [str(dcmread(io.BytesIO(p)).SOPInstanceUID) for p in parts]


def test_stow_announces_each_new_instance_once(archive: Archive) -> None:
    heard: list[InstanceStored] = []
    archive.events.subscribe(InstanceStored, heard.append)
    parts = study_parts(50, instances=3)
    client = TestClient(create_app(archive))
    assert _stow(client, parts) == 200
    assert sorted(e.sop_instance_uid for e in heard) == sorted(_uids(parts))
    assert _stow(client, parts) == 200  # resent whole: already stored, nothing new
    more = study_parts(51, instances=1)
    assert _stow(client, parts[:1] + more) == 200  # one old, one new
    assert sorted(e.sop_instance_uid for e in heard) == sorted(_uids(parts + more))
    assert {(e.origin.interface, e.origin.principal) for e in heard if e.origin} == {("dicomweb", "anonymous")}
    assert all(e.origin for e in heard)
    assert archive.changes(limit=100) == heard


def test_c_store_announces_each_new_instance_once(archive: Archive, tmp_path: Path) -> None:
    heard: list[InstanceStored] = []
    archive.events.subscribe(InstanceStored, heard.append)
    parts = study_parts(52, instances=3)
    files = []
    for n, part in enumerate(parts):
        files.append(tmp_path / f"{n}.dcm")
        files[-1].write_bytes(part)
    with DicomServer(ArchiveForDicom(archive), port=0) as server:
        assert storescu(server.port, files).returncode == 0
        assert sorted(e.sop_instance_uid for e in heard) == sorted(_uids(parts))
        assert storescu(server.port, files).returncode == 0  # the peer resends: duplicates, no events
    assert len(heard) == 3
    assert {(e.project, e.site) for e in heard} == {("LUNG1", "RXX")}
    assert {(e.origin.interface, e.origin.address) for e in heard if e.origin} == {("dimse", "127.0.0.1")}
    assert all(e.origin and e.origin.principal for e in heard)  # the calling AE title
    assert archive.changes(limit=100) == heard
