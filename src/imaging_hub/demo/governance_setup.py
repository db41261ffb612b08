"""The demo network's governance: sites, organisations, people with roles, one project, an active
data-sharing agreement, and a data-sending token for each site's spoke. Every person signs in with the one
demo password; each site data manager belongs to their own trust."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from imaging_hub.governance import SYSTEM, Governance, Role, Scope

PROJECT = "LUNG-AI"
AGREEMENT = "DSA-2026-001"
LABEL_READERS = ("reader.one@university.example", "reader.two@university.example")  # the labelling task's readers


@dataclass(frozen=True)
class DemoAccounts:
    admin_email: str
    researcher_email: str
    password: str  # one password for the demo's people, printed once to the operator
    people: tuple[tuple[str, str], ...]  # (email, roles) of everyone who can sign in
    spoke_tokens: dict[str, str]  # site ODS code -> bearer token
    researcher_token: str  # reads the project's imaging under the agreement


def set_up_governance(gov: Governance, sites: dict[str, str]) -> DemoAccounts:
    """``sites`` maps ODS code -> trust name. Everything is created as the system, and audited as such."""
    password = secrets.token_urlsafe(12)
    network = gov.directory.create_organisation(SYSTEM, "Example Imaging Research Network", "network")
    university = gov.directory.create_organisation(SYSTEM, "University of Example", "university")
    for ods, name in sites.items():
        gov.directory.create_site(SYSTEM, ods, name)
    admin = gov.directory.create_person(SYSTEM, "admin@network.example", "Network Administrator", network.id,
                                        password)
    gov.directory.grant(SYSTEM, admin.id, Role.NETWORK_ADMINISTRATOR.value)
    gov.directory.grant(SYSTEM, admin.id, Role.AUDITOR.value)
    lead = gov.directory.create_person(SYSTEM, "lead@university.example", "Project Lead", university.id, password)
    gov.projects.create(SYSTEM, PROJECT, "AI triage of chest CT across the network", iras_number="123456",
                        cpms_number="54321", lead_id=lead.id, deid_profile="research", site_codes=list(sites))
    gov.directory.grant(SYSTEM, lead.id, Role.PROJECT_LEAD.value, project_code=PROJECT)
    researcher = gov.directory.create_person(SYSTEM, "researcher@university.example", "AI Researcher",
                                             university.id, password)
    gov.directory.grant(SYSTEM, researcher.id, Role.RESEARCHER.value, project_code=PROJECT)
    now = dt.datetime.now(dt.UTC)
    gov.agreements.create(SYSTEM, AGREEMENT, university.id, [PROJECT], "Develop and validate a chest CT triage model",
                          ["imaging", "labels"], now - dt.timedelta(days=1), now + dt.timedelta(days=365),
                          conditions="No re-identification; delete on termination.")
    gov.agreements.decide(SYSTEM, AGREEMENT, "activate", "approved by the network's IG lead")
    tokens: dict[str, str] = {}
    people = [(admin.email, "network administrator, auditor"), (lead.email, f"project lead, {PROJECT}"),
              (researcher.email, f"researcher, {PROJECT}")]
    for number, email in enumerate(LABEL_READERS, start=1):  # they sign in to their labelling worklist
        annotator = gov.directory.create_person(SYSTEM, email, f"Reader {number}", university.id, password)
        gov.directory.grant(SYSTEM, annotator.id, Role.ANNOTATOR.value, project_code=PROJECT)
        people.append((email, f"annotator, {PROJECT}"))
    for ods, name in sites.items():
        trust = gov.directory.create_organisation(SYSTEM, name, "nhs_trust", ods)
        manager = gov.directory.create_person(SYSTEM, f"data.manager@{ods.lower()}.nhs.example",
                                              f"Site data manager, {name}", trust.id, password)
        people.append((manager.email, f"site data manager, {ods}"))
        gov.directory.grant(SYSTEM, manager.id, Role.SITE_DATA_MANAGER.value, site_code=ods)
        tokens[ods], _ = gov.access.issue_token(SYSTEM, manager.id, f"spoke {ods}", frozenset({Scope.DICOM_WRITE}),
                                                dt.timedelta(days=30))
    reader, _ = gov.access.issue_token(SYSTEM, researcher.id, "demo researcher", frozenset({Scope.DICOM_READ}),
                                       dt.timedelta(days=30))
    return DemoAccounts("admin@network.example", "researcher@university.example", password, tuple(people), tokens,
                        reader)
