"""A small research network for tests: two trusts, a university with a lead and a researcher, a company
outside any agreement, an auditor, a site data manager; project LUNG1 under agreement DSA-2026-001."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from imaging_hub.governance import SYSTEM, Governance, Principal

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Network:
    """A small research network: two trusts, a university with a researcher, one project under one agreement."""

    gov: Governance
    admin: Principal
    lead: Principal
    researcher: Principal
    outsider: Principal  # a researcher at a company with no agreement
    auditor: Principal
    site_manager: Principal
    project: str
    agreement: str

    def refresh(self, who: Principal) -> Principal:
        return self.gov.access.principal_for(who.person_id)


PASSWORD = "correct horse battery staple"


def build_network(gov: Governance) -> Network:
    d = gov.directory
    network = d.create_organisation(SYSTEM, "North Imaging Network", "network")
    uni = d.create_organisation(SYSTEM, "University of Northtown", "university")
    company = d.create_organisation(SYSTEM, "Pixel Diagnostics Ltd", "company")
    d.create_site(SYSTEM, "RXX", "Northtown Teaching Hospitals NHS Foundation Trust")
    d.create_site(SYSTEM, "RYY", "Southvale NHS Trust")
    admin = d.create_person(SYSTEM, "admin@network.example", "Ada Admin", network.id, PASSWORD)
    lead = d.create_person(SYSTEM, "lead@uni.example", "Lee Lead", uni.id, PASSWORD)
    researcher = d.create_person(SYSTEM, "res@uni.example", "Rae Researcher", uni.id, PASSWORD)
    outsider = d.create_person(SYSTEM, "dev@pixel.example", "Dev Outsider", company.id, PASSWORD)
    auditor = d.create_person(SYSTEM, "audit@network.example", "Aud Itor", network.id, PASSWORD)
    manager = d.create_person(SYSTEM, "sdm@rxx.example", "Sam Manager", network.id, PASSWORD)
    gov.projects.create(
        SYSTEM, "LUNG1", "Lung nodule AI validation", iras_number="312345", site_codes=["RXX", "RYY"], lead_id=lead.id
    )
    gov.projects.create(SYSTEM, "BRAIN2", "Brain MRI atlas", site_codes=["RYY"])
    d.grant(SYSTEM, admin.id, "network_administrator")
    d.grant(SYSTEM, auditor.id, "auditor")
    d.grant(SYSTEM, lead.id, "project_lead", project_code="LUNG1")
    d.grant(SYSTEM, researcher.id, "researcher", project_code="LUNG1")
    d.grant(SYSTEM, outsider.id, "researcher", project_code="LUNG1")
    d.grant(SYSTEM, manager.id, "site_data_manager", site_code="RXX")
    now = gov.clock()
    gov.agreements.create(
        SYSTEM,
        "DSA-2026-001",
        uni.id,
        ["LUNG1"],
        "Validate lung nodule detection",
        ["imaging", "labels"],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    gov.agreements.decide(SYSTEM, "DSA-2026-001", "activate")
    p = gov.access.principal_for
    return Network(
        gov=gov,
        admin=p(admin.id),
        lead=p(lead.id),
        researcher=p(researcher.id),
        outsider=p(outsider.id),
        auditor=p(auditor.id),
        site_manager=p(manager.id),
        project="LUNG1",
        agreement="DSA-2026-001",
    )
