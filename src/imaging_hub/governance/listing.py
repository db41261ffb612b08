"""Reading the network's set-up by name, for the CLI and scripts: the lists and single records the web
pages show, through the same domain services (so the same checks and the same audit entries)."""

from __future__ import annotations

from imaging_hub.governance.administration import find_organisation, find_person, local_operator
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.service import Governance
from imaging_hub.governance.tables import (
    Agreement,
    ApiToken,
    DimsePeer,
    Organisation,
    Person,
    Project,
    Site,
)


def sites(gov: Governance, actor: Principal | None = None) -> list[Site]:
    return gov.directory.sites(actor or local_operator())


def organisations(gov: Governance, actor: Principal | None = None) -> list[Organisation]:
    return gov.directory.organisations(actor or local_operator())


def people(gov: Governance, actor: Principal | None = None) -> list[Person]:
    return gov.directory.people(actor or local_operator())


def projects(gov: Governance, actor: Principal | None = None) -> list[Project]:
    return gov.projects.visible(actor or local_operator())


def agreements(gov: Governance, actor: Principal | None = None) -> list[Agreement]:
    return gov.agreements.visible(actor or local_operator())


def tokens(gov: Governance, actor: Principal | None = None) -> list[ApiToken]:
    return gov.access.tokens(actor or local_operator())


def dimse_peers(gov: Governance, actor: Principal | None = None) -> list[DimsePeer]:
    return gov.access.dimse_peers(actor or local_operator())


def site(gov: Governance, ods_code: str) -> Site:
    return gov.directory.site(ods_code.strip().upper())


def organisation(gov: Governance, name_or_id: str) -> Organisation:
    return find_organisation(gov, name_or_id)


def person(gov: Governance, email: str) -> Person:
    """With their memberships (roles, and where they hold them)."""
    return gov.directory.person(find_person(gov, email).id)


def project(gov: Governance, code: str, actor: Principal | None = None) -> Project:
    return gov.projects.view(actor or local_operator(), code)


def agreement(gov: Governance, reference: str, actor: Principal | None = None) -> Agreement:
    return gov.agreements.view(actor or local_operator(), reference)
