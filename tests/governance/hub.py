"""A running governed hub for HTTP tests: archive with one study in LUNG1 (site RXX) and one in BRAIN2 (RYY),
the small network, a second agreement covering BRAIN2, and an annotator."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydicom import dcmwrite

from imaging_hub.api import create_governed_app
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.governance import SYSTEM, ArchiveSource, Governance, Grant, Principal, Role
from imaging_hub.store import Archive
from imaging_hub.web import web_face

from .network import PASSWORD, Network, build_network


@dataclass
class Hub:
    gov: Governance
    archive: Archive
    app: FastAPI
    network: Network
    annotator: Principal
    studies: dict[str, str] = field(default_factory=dict)  # project -> study UID
    instances: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # project -> (study, series, sop)

    def client(self, email: str | None = None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        if email:
            answer = client.post("/api/governance/session", json={"email": email, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
        return client


def study_bytes(project: str, site: str, seed: int) -> list[bytes]:
    patient = SyntheticPatient.make(random.Random(seed), site_prefix=site)
    out = []
    for ds in make_study(patient, StudySpec(series=1, instances_per_series=2, rows=16, columns=16), seed=seed):
        ds.ClinicalTrialProtocolID = project
        ds.ClinicalTrialSiteID = site
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        out.append(buffer.getvalue())
    return out


def build_hub(gov: Governance, data: Path) -> Hub:
    network = build_network(gov)
    archive = Archive.open(data)
    hub = Hub(
        gov=gov,
        archive=archive,
        app=create_governed_app(archive, gov, pages=web_face()),
        network=network,
        annotator=network.researcher,
    )
    for seed, (project, site) in enumerate([("LUNG1", "RXX"), ("BRAIN2", "RYY")], start=7):
        for blob in study_bytes(project, site, seed):
            outcome = archive.store_bytes(blob)
            i = outcome.instance
            hub.studies[project] = i.study_instance_uid
            hub.instances[project] = (i.study_instance_uid, i.series_instance_uid, i.sop_instance_uid)
    uni = network.researcher.organisation_id
    annotator = gov.directory.create_person(SYSTEM, "ann@uni.example", "Ann Otator", uni, PASSWORD)
    gov.directory.grant(SYSTEM, annotator.id, "annotator", project_code="LUNG1")
    hub.annotator = gov.access.principal_for(annotator.id)
    now = gov.clock()
    gov.agreements.create(
        SYSTEM,
        "DSA-2026-002",
        uni,
        ["BRAIN2"],
        "Brain atlas",
        ["imaging"],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    gov.agreements.decide(SYSTEM, "DSA-2026-002", "activate")
    source = ArchiveSource(archive)
    for project, reference in (("LUNG1", "DSA-2026-001"), ("BRAIN2", "DSA-2026-002")):
        lead = Principal(
            person_id=network.lead.person_id,
            email="lead@uni.example",
            display_name="Lee Lead",
            organisation_id=uni,
            grants=frozenset({Grant(Role.PROJECT_LEAD, project)}),
        )
        gov.snapshots.create(lead, project, reference, source, "first release")
    return hub
