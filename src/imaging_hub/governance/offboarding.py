"""Ending access by name, for the CLI and scripts: deactivate a person, revoke a token, suspend, resume or
terminate an agreement, remove a DICOM peer or a project member.

Each goes through the same domain service as the web and API, so each is checked and audited like them;
``actor`` is by default the local operator (see ``administration.local_operator``).
"""

from __future__ import annotations

from datetime import datetime

from imaging_hub.governance.administration import find_person, local_operator
from imaging_hub.governance.errors import InvalidInput, NotFound
from imaging_hub.governance.principal import Principal
from imaging_hub.governance.roles import Role
from imaging_hub.governance.service import Governance
from imaging_hub.governance.tables import Agreement, Membership


def deactivate_person(gov: Governance, email: str, actor: Principal | None = None) -> None:
    """They can no longer sign in, and their tokens and DICOM peers stop working on the next request."""
    gov.directory.deactivate(actor or local_operator(), find_person(gov, email).id)


def revoke_token(gov: Governance, key_id: str, actor: Principal | None = None) -> None:
    gov.access.revoke_token(actor or local_operator(), key_id.strip())


def suspend_agreement(gov: Governance, reference: str, reason: str, actor: Principal | None = None) -> Agreement:
    """Access under it stops until it is resumed."""
    return gov.agreements.decide(actor or local_operator(), reference, "suspend", reason)


def resume_agreement(gov: Governance, reference: str, reason: str, actor: Principal | None = None) -> Agreement:
    return gov.agreements.decide(actor or local_operator(), reference, "resume", reason)


def terminate_agreement(
    gov: Governance, reference: str, reason: str, at: datetime | None = None, actor: Principal | None = None
) -> Agreement:
    """End it now, or at ``at``; access stops at that moment by itself."""
    return gov.agreements.terminate(actor or local_operator(), reference, reason, at)


def remove_dimse_peer(gov: Governance, ae_title: str, address: str, actor: Principal | None = None) -> None:
    gov.access.remove_dimse_peer(actor or local_operator(), ae_title, address)


def remove_member(
    gov: Governance, email: str, project: str, role: str | None = None, actor: Principal | None = None
) -> list[str]:
    """Take a person's roles in a project away (only ``role`` when given); the roles removed."""
    actor = actor or local_operator()
    person = find_person(gov, email)
    try:
        wanted = Role(role).value if role else None
    except ValueError:
        raise InvalidInput(f"unknown role; roles are {sorted(r.value for r in Role)}") from None
    memberships: list[Membership] = [
        m for m in gov.directory.person(person.id).memberships
        if m.project is not None and m.project.code == project and (wanted is None or m.role == wanted)
    ]
    if not memberships:
        raise NotFound(f"{person.email} holds no {wanted or 'role'} in project {project}")
    for membership in memberships:
        gov.directory.revoke(actor, membership.id)
    return [m.role for m in memberships]
