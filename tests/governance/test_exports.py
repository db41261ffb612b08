"""Snapshot exports: the zip holds exactly the snapshot's instances, byte for byte as archived, with a manifest
whose checksums match; no export outside an agreement in force; a file changed after the snapshot stops the
export and the refusal names the instance."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from datetime import timedelta

import pytest

from imaging_hub.governance import (
    SYSTEM,
    AuditFilter,
    ExportIntegrityError,
    Forbidden,
    Governance,
    Scope,
    SettableClock,
)
from imaging_hub.governance.archive_source import ArchiveSource

from .hub import Hub, build_hub
from .network import START

EXPORT = "/api/governance/projects/LUNG1/snapshots/1/export"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One hub for the module (building it hashes passwords); the tests run in file order, the last one ends
    the agreement."""
    data = tmp_path_factory.mktemp("exports")
    gov = Governance.open(f"sqlite:///{data / 'gov.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def researcher_token(hub: Hub) -> dict[str, str]:
    """A bearer token outliving the agreement (a web session would end first)."""
    scopes = frozenset({Scope.EXPORT, Scope.DICOM_READ, Scope.GOVERNANCE_READ})
    token, _ = hub.gov.access.issue_token(SYSTEM, hub.network.researcher.person_id, "t", scopes, timedelta(days=90))
    return {"Authorization": f"Bearer {token}"}


def test_export_holds_the_snapshot_byte_for_byte(hub: Hub) -> None:
    answer = hub.client("res@uni.example").get(EXPORT)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as exported:
        manifest = json.loads(exported.read("manifest.json"))
        stored = {i.sop_instance_uid: i for i in hub.archive.instances(hub.studies["LUNG1"])}
        assert {i["sop_instance_uid"] for i in manifest["instances"]} == set(stored)
        assert manifest["instance_count"] == len(stored) == 2
        assert manifest["project"] == "LUNG1" and manifest["agreement"] == "DSA-2026-001"
        for item in manifest["instances"]:
            blob = exported.read(item["path"])
            original = stored[item["sop_instance_uid"]]
            assert blob == original.path.read_bytes()
            assert hashlib.sha256(blob).hexdigest() == item["sha256"] == original.sha256
            assert len(blob) == item["size"] == original.size
            assert item["path"] == (
                f"dicom/{original.study_instance_uid}/{original.series_instance_uid}/{original.sop_instance_uid}.dcm"
            )
        assert sorted(exported.namelist()) == sorted(["manifest.json", *(i["path"] for i in manifest["instances"])])
    snapshot = hub.gov.snapshots.get("LUNG1", 1)
    assert manifest["manifest_sha256"] == snapshot.manifest_sha256
    done = hub.gov.audit.entries(AuditFilter(action="export.download", outcome="success", limit=10))
    assert [e.entity_id for e in done] == ["LUNG1/v1"]


def test_a_file_changed_after_the_snapshot_stops_the_export(hub: Hub) -> None:
    _, _, sop = hub.instances["LUNG1"]
    stored = hub.archive.get(sop)
    assert stored is not None
    mode = stored.path.stat().st_mode
    original = stored.path.read_bytes()
    os.chmod(stored.path, 0o644)
    # One byte of pixel data changed: still a readable DICOM file, no longer the one snapshotted.
    stored.path.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    try:
        with pytest.raises(ExportIntegrityError, match=sop):
            hub.gov.exports.write_zip(hub.network.researcher, "LUNG1", 1, ArchiveSource(hub.archive), io.BytesIO())
        answer = hub.client("res@uni.example").get(EXPORT)
        assert answer.status_code == 400 and sop in answer.json()["detail"]
    finally:
        stored.path.write_bytes(original)
        os.chmod(stored.path, mode)
    failed = hub.gov.audit.entries(AuditFilter(action="export.download", outcome="failed", limit=10))
    assert failed and all(sop in str(e.detail) for e in failed)


def test_no_export_outside_an_agreement_in_force(hub: Hub) -> None:
    researcher = hub.client()
    researcher.headers.update(researcher_token(hub))
    assert hub.client("dev@pixel.example").get(EXPORT).status_code == 403  # a company with no agreement
    hub.gov.agreements.decide(SYSTEM, "DSA-2026-001", "suspend", "audit finding")
    assert researcher.get(EXPORT).status_code == 403
    out = io.BytesIO()
    with pytest.raises(Forbidden):
        hub.gov.exports.write_zip(hub.network.researcher, "LUNG1", 1, ArchiveSource(hub.archive), out)
    assert out.getvalue() == b"", "nothing written when refused"
    hub.gov.agreements.decide(SYSTEM, "DSA-2026-001", "resume")
    assert researcher.get(EXPORT).status_code == 200
    agreement = hub.gov.agreements.get("DSA-2026-001")
    clock = hub.gov.clock
    assert isinstance(clock, SettableClock)
    clock.set(agreement.ends_at)  # expiry takes effect at that very moment
    assert researcher.get(EXPORT).status_code == 403
    clock.set(agreement.ends_at - timedelta(seconds=1))
    hub.gov.agreements.terminate(SYSTEM, "DSA-2026-001", "study closed")
    assert researcher.get(EXPORT).status_code == 403
    refused = hub.gov.audit.entries(AuditFilter(action="export.download", outcome="denied", limit=20))
    assert len(refused) >= 4
