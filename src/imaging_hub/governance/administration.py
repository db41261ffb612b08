"""Setting up a network from the command line or a script: the first administrator, then sites, organisations,
people, roles, projects, agreements, API tokens and DICOM peers, each named the way people name them
(an email, an ODS code, a project code, an agreement reference) rather than by database id.

Every function acts as ``actor`` (by default the local operator: whoever can open the hub's database already
holds every key), goes through the same domain services as the web and API, and is audited like them.
"""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta

from sqlalchemy import select

from imaging_hub.governance.errors import InvalidInput, NotFound
from imaging_hub.governance.principal import Grant, Principal
from imaging_hub.governance.roles import Role, Scope
from imaging_hub.governance.service import Governance
from imaging_hub.governance.tables import (
    Agreement,
    ApiToken,
    DimsePeer,
    Membership,
    Organisation,
    Person,
    Project,
    Site,
)

DEFAULT_NETWORK_NAME = "Imaging research network"


def local_operator() -> Principal:
    """The person at the hub's console, audited by their operating-system account name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(
        person_id=0,
        email=f"local operator {user}",
        display_name="Local operator",
        organisation_id=0,
        grants=frozenset({Grant(Role.NETWORK_ADMINISTRATOR)}),
        via="cli",
    )


def has_administrator(gov: Governance) -> bool:
    with gov.context.reading() as session:
        found = session.scalar(
            select(Membership.id)
            .join(Person, Membership.person_id == Person.id)
            .where(Membership.role == Role.NETWORK_ADMINISTRATOR.value, Person.active.is_(True))
            .limit(1)
        )
    return found is not None


def init_admin(
    gov: Governance,
    email: str,
    display_name: str,
    password: str,
    network_name: str = DEFAULT_NETWORK_NAME,
    actor: Principal | None = None,
) -> Person:
    """Create the network's first administrator (and the network organisation). Refused once one exists."""
    actor = actor or local_operator()
    if has_administrator(gov):
        raise InvalidInput("a network administrator already exists; they can add others")
    organisation = _organisation_named(gov, network_name) or gov.directory.create_organisation(
        actor, network_name, "network"
    )
    person = gov.directory.create_person(actor, email, display_name, organisation.id, password)
    gov.directory.grant(actor, person.id, Role.NETWORK_ADMINISTRATOR.value)
    return gov.directory.person(person.id)


def add_site(gov: Governance, ods_code: str, name: str, actor: Principal | None = None) -> Site:
    return gov.directory.create_site(actor or local_operator(), ods_code.strip().upper(), name)


def add_organisation(
    gov: Governance, name: str, kind: str, ods_code: str | None = None, actor: Principal | None = None
) -> Organisation:
    return gov.directory.create_organisation(actor or local_operator(), name, kind, ods_code)


def add_person(
    gov: Governance,
    email: str,
    display_name: str,
    organisation: str,
    password: str | None = None,
    actor: Principal | None = None,
) -> Person:
    """``organisation``: its name or numeric id. Without a password the person signs in through OIDC only."""
    return gov.directory.create_person(
        actor or local_operator(), email, display_name, find_organisation(gov, organisation).id, password
    )


def grant_role(
    gov: Governance,
    email: str,
    role: str,
    project: str | None = None,
    site: str | None = None,
    actor: Principal | None = None,
) -> Membership:
    person = find_person(gov, email)
    return gov.directory.grant(actor or local_operator(), person.id, role, project or None, site or None)


def add_project(
    gov: Governance,
    code: str,
    title: str,
    *,
    sites: list[str] | None = None,
    lead_email: str | None = None,
    iras_number: str | None = None,
    cpms_number: str | None = None,
    deid_profile: str = "research",
    actor: Principal | None = None,
) -> Project:
    """A project; with ``lead_email`` that person is recorded as lead and given the project lead role."""
    actor = actor or local_operator()
    lead = find_person(gov, lead_email) if lead_email else None
    project = gov.projects.create(
        actor,
        code,
        title,
        iras_number=iras_number,
        cpms_number=cpms_number,
        lead_id=lead.id if lead else None,
        deid_profile=deid_profile,
        site_codes=[s.strip().upper() for s in sites or []],
    )
    if lead is not None:
        gov.directory.grant(actor, lead.id, Role.PROJECT_LEAD.value, project_code=code)
    return project


def add_agreement(
    gov: Governance,
    reference: str,
    organisation: str,
    projects: list[str],
    purpose: str,
    permitted_data: list[str],
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    conditions: str = "",
    actor: Principal | None = None,
) -> Agreement:
    """A draft agreement; starts now and runs a year unless told otherwise. ``activate_agreement`` puts it in force."""
    starts = starts_at or gov.clock()
    ends = ends_at or starts + timedelta(days=365)
    return gov.agreements.create(
        actor or local_operator(),
        reference,
        find_organisation(gov, organisation).id,
        projects,
        purpose,
        permitted_data,
        starts,
        ends,
        conditions,
    )


def activate_agreement(gov: Governance, reference: str, reason: str = "", actor: Principal | None = None) -> Agreement:
    return gov.agreements.decide(actor or local_operator(), reference, "activate", reason)


def issue_token(
    gov: Governance,
    email: str,
    name: str,
    scopes: list[str],
    days: int = 90,
    actor: Principal | None = None,
) -> tuple[str, ApiToken]:
    """An API token for the person: the secret is returned once (only its hash is kept)."""
    try:
        chosen = frozenset(Scope(s) for s in scopes)
    except ValueError:
        raise InvalidInput(f"unknown scope; scopes are {sorted(s.value for s in Scope)}") from None
    person = find_person(gov, email)
    return gov.access.issue_token(actor or local_operator(), person.id, name, chosen, timedelta(days=days))


def map_dimse_peer(
    gov: Governance, ae_title: str, email: str, address: str, actor: Principal | None = None
) -> DimsePeer:
    """A DICOM peer (AE title, from an address, or ``*`` anywhere when asked for) acts for the person's account."""
    return gov.access.map_dimse_peer(actor or local_operator(), ae_title, address, find_person(gov, email).id)


def find_person(gov: Governance, email: str) -> Person:
    person = gov.directory.person_by_email(email)
    if person is None:
        raise NotFound("no person with that email address")
    return person


def find_organisation(gov: Governance, name_or_id: str) -> Organisation:
    if name_or_id.strip().isdigit():
        return gov.directory.organisation(int(name_or_id))
    found = _organisation_named(gov, name_or_id)
    if found is None:
        raise NotFound(f"no organisation named {name_or_id.strip()!r}")
    return found


def _organisation_named(gov: Governance, name: str) -> Organisation | None:
    with gov.context.reading() as session:
        return session.scalar(select(Organisation).where(Organisation.name == name.strip()))


def change_move_destination(
    gov: Governance,
    destination: str,
    *,
    allow: bool,
    ae_title: str | None = None,
    address: str = "",
    project: str | None = None,
    actor: Principal | None = None,
) -> None:
    """Let (``allow``) or stop a DICOM peer (``ae_title`` from ``address``) or a project's instances going to a
    C-MOVE destination."""
    who, moves = actor or local_operator(), gov.move_destinations
    if ae_title is not None:
        (moves.allow_for_peer if allow else moves.forbid_for_peer)(who, ae_title, address, destination)
    if project is not None:
        (moves.allow_for_project if allow else moves.forbid_for_project)(who, project, destination)
