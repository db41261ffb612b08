"""``imaging-hub governance <group> list|show``: the network's set-up read back, as tables on stdout.

Reads never create a hub: a missing data folder or database is an error. Each read goes through the domain
services, so it is checked and audited as the web pages' reads are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from imaging_hub.cli._governance_common import run
from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE
from imaging_hub.governance import Governance, effective_state, listing


def _out() -> Console:
    return Console()  # made per table: it takes the terminal's width (or COLUMNS) at the time


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    count = 0
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
        count += 1
    if count:
        _out().print(table)
    else:
        _out().print(f"{title}: none")


def _fields(title: str, fields: dict[str, object]) -> None:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in fields.items():
        table.add_row(name, "" if value is None else str(value))
    _out().print(table)


def _list_command(group: typer.Typer, help_text: str, show: Callable[[Governance], None]) -> None:
    def list_command(data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        run(data, database, config, show, read_only=True)

    list_command.__doc__ = help_text
    group.command("list")(list_command)


def _show_command(group: typer.Typer, help_text: str, argument_help: str,
                  show: Callable[[Governance, str], None]) -> None:
    def show_command(
        key: str = typer.Argument(..., metavar="KEY", help=argument_help),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        run(data, database, config, lambda gov: show(gov, key), read_only=True)

    show_command.__doc__ = help_text
    group.command("show")(show_command)


def _day(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value is not None else ""


def add_view_commands(*, site: typer.Typer, org: typer.Typer, person: typer.Typer, project: typer.Typer,
                      agreement: typer.Typer, token: typer.Typer, peer: typer.Typer) -> None:
    _list_command(site, "List the sites.", lambda gov: _table(
        "Sites", ("ODS code", "name"), ((s.ods_code, s.name) for s in listing.sites(gov))))
    _show_command(site, "Show one site and the projects it takes part in.", "The site's ODS code.",
                  lambda gov, code: _show_site(gov, code))
    _list_command(org, "List the organisations.", lambda gov: _table(
        "Organisations", ("id", "name", "kind", "ODS code"),
        ((o.id, o.name, o.kind, o.ods_code) for o in listing.organisations(gov))))
    _show_command(org, "Show one organisation and its people.", "The organisation's name or id.",
                  lambda gov, key: _show_organisation(gov, key))
    _list_command(person, "List the people (active and deactivated).", lambda gov: _table(
        "People", ("email", "name", "organisation", "active", "roles"),
        ((p.email, p.display_name, p.organisation.name, "yes" if p.active else "no", _roles(p.memberships))
         for p in listing.people(gov))))
    _show_command(person, "Show one person, their roles and tokens.", "Their email address.",
                  lambda gov, email: _show_person(gov, email))
    _list_command(project, "List the projects.", lambda gov: _table(
        "Projects", ("code", "title", "status", "sites"),
        ((p.code, p.title, p.status, " ".join(s.ods_code for s in p.sites)) for p in listing.projects(gov))))
    _show_command(project, "Show one project, its sites and members.", "The project code.",
                  lambda gov, code: _show_project(gov, code))
    _list_command(agreement, "List the data-sharing agreements and their state now.", lambda gov: _table(
        "Agreements", ("reference", "recipient", "projects", "state", "from", "to"),
        ((a.reference, a.organisation.name, " ".join(p.code for p in a.projects),
          effective_state(a, gov.clock()).value, _day(a.starts_at), _day(a.terminates_at or a.ends_at))
         for a in listing.agreements(gov))))
    _show_command(agreement, "Show one agreement.", "The agreement's reference.",
                  lambda gov, ref: _show_agreement(gov, ref))
    _list_command(token, "List API tokens (never their secrets).", lambda gov: _table(
        "API tokens", ("key id", "name", "person", "scopes", "expires", "revoked"),
        ((t.key_id, t.name, t.person_id, t.scopes, _day(t.expires_at), _day(t.revoked_at))
         for t in listing.tokens(gov))))
    _list_command(peer, "List the DICOM peers and the accounts they act for.", lambda gov: _table(
        "DICOM peers", ("AE title", "address", "person"),
        ((p.ae_title, p.address, gov.directory.person(p.person_id).email) for p in listing.dimse_peers(gov))))


def _roles(memberships: Iterable[Any]) -> str:
    return ", ".join(sorted(
        m.role + (f" in {m.project.code}" if m.project else f" at {m.site.ods_code}" if m.site else "")
        for m in memberships))


def _show_site(gov: Governance, code: str) -> None:
    found = listing.site(gov, code)
    taking_part = [p.code for p in listing.projects(gov) if any(s.ods_code == found.ods_code for s in p.sites)]
    _fields(f"Site {found.ods_code}", {"name": found.name, "projects": " ".join(taking_part) or "none"})


def _show_organisation(gov: Governance, key: str) -> None:
    found = listing.organisation(gov, key)
    members = [p.email for p in listing.people(gov) if p.organisation_id == found.id]
    _fields(f"Organisation {found.name}", {"id": found.id, "kind": found.kind, "ODS code": found.ods_code,
                                           "people": ", ".join(members) or "none"})


def _show_person(gov: Governance, email: str) -> None:
    found = listing.person(gov, email)
    tokens = [f"{t.key_id} ({t.name}; {t.scopes})" for t in listing.tokens(gov)
              if t.person_id == found.id and t.revoked_at is None]
    _fields(f"Person {found.email}", {
        "id": found.id, "name": found.display_name, "organisation": found.organisation.name,
        "active": "yes" if found.active else "no", "password sign-in": "yes" if found.password_hash else "no",
        "roles": _roles(found.memberships) or "none", "tokens": ", ".join(tokens) or "none",
    })


def _show_project(gov: Governance, code: str) -> None:
    found = listing.project(gov, code)
    members = [f"{p.email} ({m.role})" for p in listing.people(gov) for m in p.memberships
               if m.project is not None and m.project.code == found.code]
    _fields(f"Project {found.code}", {
        "title": found.title, "status": found.status, "IRAS": found.iras_number, "CPMS": found.cpms_number,
        "de-identification profile": found.deid_profile, "sites": " ".join(s.ods_code for s in found.sites) or "none",
        "members": ", ".join(members) or "none",
    })


def _show_agreement(gov: Governance, reference: str) -> None:
    found = listing.agreement(gov, reference)
    _fields(f"Agreement {found.reference}", {
        "recipient": found.organisation.name, "projects": " ".join(p.code for p in found.projects),
        "state": effective_state(found, gov.clock()).value, "purpose": found.purpose,
        "data": found.permitted_data, "conditions": found.conditions or "none",
        "starts": _day(found.starts_at), "ends": _day(found.ends_at),
        "terminates": _day(found.terminates_at), "termination reason": found.termination_reason,
        "deletion attested by": found.deletion_attested_by,
    })
