"""Decisions on projects (docs/security.md): a closed project takes no uploads and gives no reads, whatever the
roles and agreements; a project lead may narrow the sites that send data but only the network may add one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from imaging_hub.governance import SYSTEM, AuditFilter, Forbidden, Governance, Scope, SettableClock

from .hub import Hub, build_hub, study_bytes
from .network import START

BOUNDARY = "imaginghubboundary"


@pytest.fixture
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("project-rules")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def stow(hub: Hub, headers: dict[str, str]) -> int:
    part = study_bytes("LUNG1", "RXX", seed=4242)[0]
    head = f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    body = head + part + f"\r\n--{BOUNDARY}--\r\n".encode()
    content_type = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
    answer = hub.client().post("/dicom-web/studies", content=body, headers={**headers, "content-type": content_type})
    return answer.status_code


def test_a_closed_project_refuses_uploads_and_reads(hub: Hub) -> None:
    lead = hub.network.lead.person_id
    token, _ = hub.gov.access.issue_token(
        SYSTEM, lead, "t", frozenset({Scope.DICOM_READ, Scope.DICOM_WRITE}), timedelta(days=1)
    )
    auth = {"Authorization": f"Bearer {token}"}
    client = hub.client()
    study = hub.studies["LUNG1"]
    assert study in client.get("/dicom-web/studies", headers=auth).text
    assert client.get(f"/dicom-web/studies/{study}/metadata", headers=auth).status_code == 200

    hub.gov.projects.update(hub.network.lead, "LUNG1", status="closed")
    assert study not in client.get("/dicom-web/studies", headers=auth).text
    assert client.get(f"/dicom-web/studies/{study}/metadata", headers=auth).status_code == 404
    assert stow(hub, auth) == 403, "the lead's only project is closed: nothing may be sent"
    assert hub.gov.audit.entries(AuditFilter(action="dicom.write", outcome="denied", limit=5))
    assert "LUNG1" not in hub.gov.authority.readable_projects(hub.network.refresh(hub.network.researcher))
    assert "LUNG1" not in hub.gov.authority.writable_projects(hub.network.refresh(hub.network.site_manager))

    hub.gov.projects.update(hub.network.lead, "LUNG1", status="open")
    assert client.get(f"/dicom-web/studies/{study}/metadata", headers=auth).status_code == 200


def test_a_lead_cannot_add_a_sending_site_but_may_remove_one(hub: Hub) -> None:
    session = hub.client("lead@uni.example")
    added = session.patch("/api/governance/projects/BRAIN2", json={"sites": ["RYY", "RXX"]})
    assert added.status_code == 404  # not their project at all
    widened = session.patch("/api/governance/projects/LUNG1", json={"sites": ["RXX", "RYY", "RZZ"]})
    assert widened.status_code in (403, 404)
    hub.gov.directory.create_site(SYSTEM, "RZZ", "Westshire NHS Trust")
    widened = session.patch("/api/governance/projects/LUNG1", json={"sites": ["RXX", "RYY", "RZZ"]})
    assert widened.status_code == 403
    assert hub.gov.audit.entries(AuditFilter(action="project.add_site", outcome="denied", limit=5))
    with pytest.raises(Forbidden):
        hub.gov.projects.update(hub.network.lead, "LUNG1", site_codes=["RZZ"])
    narrowed = session.patch("/api/governance/projects/LUNG1", json={"sites": ["RXX"]})
    assert narrowed.status_code == 200 and narrowed.json()["sites"] == ["RXX"]
    admin = hub.client("admin@network.example")
    widened_by_network = admin.patch("/api/governance/projects/LUNG1", json={"sites": ["RXX", "RZZ"]})
    assert widened_by_network.json()["sites"] == ["RXX", "RZZ"]


def test_the_api_shows_the_same_phase_as_the_pages(hub: Hub) -> None:
    client = hub.client("admin@network.example")
    hub.gov.projects.create(SYSTEM, "EMPTY9", "No data yet", site_codes=["RXX"])
    listed = {p["code"]: p for p in client.get("/api/governance/projects").json()}
    assert listed["LUNG1"]["phase"] == "active", "its data has arrived, whatever the stored status says"
    assert (listed["EMPTY9"]["status"], listed["EMPTY9"]["phase"]) == ("setup", "setup")
    assert client.get("/api/governance/projects/LUNG1").json()["phase"] == "active"
    page = client.get("/projects").text
    assert "active" in page.lower()
    closed = client.patch("/api/governance/projects/LUNG1", json={"status": "closed"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["phase"]) == ("closed", "closed")
