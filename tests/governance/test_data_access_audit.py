"""DICOM reads and writes carry their project in the audit trail, so filtering the trail by project shows
the data access in it (DICOMweb here; DIMSE in test_dimse_scope)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imaging_hub.governance import SYSTEM, AuditFilter, Governance, SettableClock

from .hub import Hub, build_hub
from .network import START


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, tmp_path / "archive")
    yield built
    built.archive.close()
    gov.close()


def _data_access(hub: Hub, project: str) -> list[tuple[str, str]]:
    entries = hub.gov.audit.entries(AuditFilter(project=project, limit=1000))
    return [(e.action, e.entity_id) for e in entries if e.action.startswith("dicom.")]


def test_dicomweb_reads_are_filed_under_their_project(hub: Hub) -> None:
    researcher = hub.network.researcher
    hub.gov.directory.grant(SYSTEM, researcher.person_id, "researcher", project_code="BRAIN2")
    client = hub.client(researcher.email)
    found = client.get("/dicom-web/instances", headers={"Accept": "application/dicom+json"})
    assert found.status_code == 200 and len(found.json()) == 4  # two instances in each project
    lung_study = hub.studies["LUNG1"]
    metadata = client.get(f"/dicom-web/studies/{lung_study}/metadata", headers={"Accept": "application/dicom+json"})
    assert metadata.status_code == 200
    lung, brain = _data_access(hub, "LUNG1"), _data_access(hub, "BRAIN2")
    assert [a for a, _ in lung] == ["dicom.read", "dicom.search"]  # newest first
    assert [a for a, _ in brain] == ["dicom.search"]
    assert hub.instances["BRAIN2"][2] not in " ".join(e for _, e in lung)
