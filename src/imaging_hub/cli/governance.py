"""``imaging-hub governance``: set up a network from the hub's console.

``init-admin`` creates the first network administrator; after that ``site add``, ``org add``, ``person add``,
``grant``, ``project add``, ``agreement add``/``activate``, ``peer add`` and ``token issue`` do what the web
pages and API do, audited as the local operator. ``token issue`` prints the token alone on stdout, once.
Each group also has ``list`` and ``show`` (``_governance_views``) and the commands that end access
(``_governance_ends``): ``person deactivate``, ``token revoke``, ``agreement suspend|resume|terminate``,
``peer remove``, ``project remove-member``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from imaging_hub.cli._governance_common import console, open_governance, when
from imaging_hub.cli._governance_common import run as _run
from imaging_hub.cli._governance_ends import add_ending_commands
from imaging_hub.cli._governance_views import add_view_commands
from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE
from imaging_hub.governance import administration as admin


def _read_password(password_file: Path | None) -> str:
    if password_file is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        lines = password_file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot read password file {password_file}: {exc.strerror}")
        raise typer.Exit(2) from exc
    return lines[0] if lines else ""


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Set up the network: administrators, sites, people, projects, agreements, tokens.", no_args_is_help=True
    )
    site = typer.Typer(help="NHS trusts taking part.", no_args_is_help=True)
    org = typer.Typer(help="Organisations: trusts, universities, companies.", no_args_is_help=True)
    person = typer.Typer(help="People who sign in.", no_args_is_help=True)
    project = typer.Typer(help="Research projects.", no_args_is_help=True)
    agreement = typer.Typer(help="Data-sharing agreements.", no_args_is_help=True)
    token = typer.Typer(help="API tokens for services and spokes.", no_args_is_help=True)
    peer = typer.Typer(help="DICOM peers acting for an account.", no_args_is_help=True)

    @group.command("init-admin")
    def init_admin(
        email: str = typer.Option(..., "--email", help="The administrator's email address (their sign-in)."),
        name: str = typer.Option(..., "--name", help="Their display name."),
        network: str = typer.Option(admin.DEFAULT_NETWORK_NAME, "--network", help="The network organisation."),
        password_file: Path | None = typer.Option(None, "--password-file", help="Read the password from here."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Create the first network administrator. Refused if one already exists."""
        with open_governance(data, database, config) as gov:
            if admin.has_administrator(gov):
                console.print("[red]error:[/red] a network administrator already exists; they can add others")
                raise typer.Exit(1)
        password = _read_password(password_file)
        created = _run(data, database, config, lambda gov: admin.init_admin(gov, email, name, password, network))
        console.print(f"Network administrator [bold]{created.email}[/bold] created (person {created.id}).")

    @site.command("add")
    def site_add(
        ods_code: str = typer.Argument(..., help="ODS code, e.g. RXX."),
        name: str = typer.Argument(..., help="The trust's name."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Add a site (an NHS trust, by ODS code)."""
        added = _run(data, database, config, lambda gov: admin.add_site(gov, ods_code, name))
        console.print(f"Site [bold]{added.ods_code}[/bold] added.")

    @org.command("add")
    def org_add(
        name: str = typer.Argument(..., help="The organisation's name."),
        kind: str = typer.Option(..., "--kind", help="nhs_trust, university, company, network or charity."),
        ods_code: str | None = typer.Option(None, "--ods-code", help="Its ODS code, if it has one."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Add an organisation (a recipient of data, or people's employer)."""
        added = _run(data, database, config, lambda gov: admin.add_organisation(gov, name, kind, ods_code))
        console.print(f"Organisation [bold]{added.name}[/bold] added (id {added.id}).")

    @person.command("add")
    def person_add(
        email: str = typer.Argument(..., help="Their email address (their sign-in)."),
        name: str = typer.Option(..., "--name", help="Display name."),
        organisation: str = typer.Option(..., "--org", help="Organisation name or id."),
        password_file: Path | None = typer.Option(
            None, "--password-file", help="Read a password from here (without one: OIDC sign-in or tokens only)."
        ),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Add a person."""
        password = _read_password(password_file) if password_file else None
        added = _run(data, database, config, lambda gov: admin.add_person(gov, email, name, organisation, password))
        console.print(f"Person [bold]{added.email}[/bold] added (person {added.id}).")

    @group.command("grant")
    def grant(
        email: str = typer.Argument(..., help="Whose role."),
        role: str = typer.Argument(
            ..., help="network_administrator, auditor, site_data_manager, project_lead, researcher or annotator."
        ),
        project: str | None = typer.Option(None, "--project", help="Project code (project roles)."),
        site_code: str | None = typer.Option(None, "--site", help="ODS code (site data manager)."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Give a person a role: network-wide, at a site, or in a project."""
        _run(data, database, config, lambda gov: admin.grant_role(gov, email, role, project, site_code))
        where = f" in {project}" if project else f" at {site_code}" if site_code else ""
        console.print(f"{email} is now {role}{where}.")

    @project.command("add")
    def project_add(
        code: str = typer.Argument(..., help="Project code: what instances carry as ClinicalTrialProtocolID."),
        title: str = typer.Option(..., "--title", help="The study's title."),
        sites: list[str] = typer.Option([], "--site", help="A taking-part site's ODS code (repeatable)."),
        lead: str | None = typer.Option(None, "--lead", help="The project lead's email (given the role)."),
        iras: str | None = typer.Option(None, "--iras", help="IRAS number."),
        cpms: str | None = typer.Option(None, "--cpms", help="CPMS number."),
        deid_profile: str = typer.Option("research", "--deid-profile", help="De-identification profile."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Add a research project."""
        added = _run(
            data,
            database,
            config,
            lambda gov: admin.add_project(
                gov,
                code,
                title,
                sites=sites,
                lead_email=lead,
                iras_number=iras,
                cpms_number=cpms,
                deid_profile=deid_profile,
            ),
        )
        console.print(f"Project [bold]{added.code}[/bold] added.")

    @agreement.command("add")
    def agreement_add(
        reference: str = typer.Argument(..., help="The agreement's reference, e.g. DSA-2026-001."),
        organisation: str = typer.Option(..., "--org", help="Recipient organisation name or id."),
        projects: list[str] = typer.Option(..., "--project", help="Project code in scope (repeatable)."),
        purpose: str = typer.Option(..., "--purpose", help="What the data may be used for."),
        permitted: list[str] = typer.Option(
            ["imaging"], "--data-kind", help="imaging, labels or clinical_metadata (repeatable)."
        ),
        starts: str | None = typer.Option(None, "--starts", help="ISO date or date-time (default now)."),
        ends: str | None = typer.Option(None, "--ends", help="ISO date or date-time (default a year after start)."),
        conditions: str = typer.Option("", "--conditions", help="Conditions of the agreement."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Draft a data-sharing agreement (activate it to put it in force)."""
        start, end = when(starts, "--starts"), when(ends, "--ends")
        added = _run(
            data,
            database,
            config,
            lambda gov: admin.add_agreement(
                gov, reference, organisation, projects, purpose, permitted, start, end, conditions
            ),
        )
        console.print(
            f"Agreement [bold]{added.reference}[/bold] drafted, {added.starts_at:%Y-%m-%d} to {added.ends_at:%Y-%m-%d}."
        )

    @agreement.command("activate")
    def agreement_activate(
        reference: str = typer.Argument(..., help="The agreement's reference."),
        reason: str = typer.Option("", "--reason", help="Why (recorded in the audit trail)."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Put a drafted agreement in force."""
        _run(data, database, config, lambda gov: admin.activate_agreement(gov, reference, reason))
        console.print(f"Agreement [bold]{reference}[/bold] is active.")

    @peer.command("add")
    def peer_add(
        ae_title: str = typer.Argument(..., help="The peer's calling AE title."),
        email: str = typer.Option(..., "--person", help="The account it acts for (email)."),
        address: str = typer.Option("", "--address", help="The IP address the peer connects from."),
        any_address: bool = typer.Option(
            False, "--any-address", help="Accept the AE title from any address: the title alone then authenticates."
        ),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Map a DICOM peer to an account: it then sees and sends only within that account's projects."""
        if bool(address.strip()) == any_address:
            console.print("[red]error:[/red] give the peer's --address, or --any-address (not both)")
            raise typer.Exit(2)
        if any_address:
            address = "*"
            console.print(f"[yellow]warning:[/yellow] {ae_title} is accepted from any address: anyone who "
                          "sends that AE title acts for this account")
        _run(data, database, config, lambda gov: admin.map_dimse_peer(gov, ae_title, email, address))
        console.print(f"DICOM peer [bold]{ae_title}[/bold] from {address} acts for {email}.")

    @peer.command("allow-move")
    def peer_allow_move(
        ae_title: str = typer.Argument(..., help="The peer's calling AE title."),
        destination: str = typer.Option(..., "--destination", help="A C-MOVE destination AE title it may name."),
        address: str = typer.Option(..., "--address", help="The address it was mapped from ('*' for any)."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Let a DICOM peer C-MOVE to a destination (each project must allow it too: project allow-move)."""
        _run(data, database, config, lambda gov: admin.change_move_destination(
            gov, destination, allow=True, ae_title=ae_title, address=address))
        console.print(f"DICOM peer [bold]{ae_title}[/bold] from {address} may move to {destination.strip()}.")

    @peer.command("forbid-move")
    def peer_forbid_move(
        ae_title: str = typer.Argument(..., help="The peer's calling AE title."),
        destination: str = typer.Option(..., "--destination", help="The C-MOVE destination AE title."),
        address: str = typer.Option(..., "--address", help="The address it was mapped from ('*' for any)."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Stop a DICOM peer C-MOVEing to a destination: its next C-MOVE there is refused."""
        _run(data, database, config, lambda gov: admin.change_move_destination(
            gov, destination, allow=False, ae_title=ae_title, address=address))
        console.print(f"DICOM peer [bold]{ae_title}[/bold] from {address} may no longer move to {destination.strip()}.")

    @project.command("allow-move")
    def project_allow_move(
        code: str = typer.Argument(..., help="The project code."),
        destination: str = typer.Option(..., "--destination", help="A C-MOVE destination AE title."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Let the project's instances be C-MOVEd to a destination (by peers allowed to name it)."""
        _run(data, database, config, lambda gov: admin.change_move_destination(
            gov, destination, allow=True, project=code))
        console.print(f"Project [bold]{code}[/bold]'s instances may go to {destination.strip()}.")

    @project.command("forbid-move")
    def project_forbid_move(
        code: str = typer.Argument(..., help="The project code."),
        destination: str = typer.Option(..., "--destination", help="The C-MOVE destination AE title."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Stop the project's instances going to a destination by C-MOVE."""
        _run(data, database, config, lambda gov: admin.change_move_destination(
            gov, destination, allow=False, project=code))
        console.print(f"Project [bold]{code}[/bold]'s instances may no longer go to {destination.strip()}.")

    @token.command("issue")
    def token_issue(
        email: str = typer.Argument(..., help="Whose token (the account it acts for)."),
        name: str = typer.Option(..., "--name", help="What uses it, e.g. 'spoke RXX'."),
        scopes: list[str] = typer.Option(
            ...,
            "--scope",
            help="dicom:read, dicom:write, governance:read, governance:write, audit:read, export (repeatable).",
        ),
        days: int = typer.Option(90, "--days", min=1, help="Days until it expires."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Issue an API token. The token is printed once, alone on stdout; only its hash is kept."""
        secret, row = _run(data, database, config, lambda gov: admin.issue_token(gov, email, name, scopes, days))
        console.print(
            f"Token {row.key_id} for {email}: scopes {row.scopes}, expires {row.expires_at:%Y-%m-%d %H:%M} "
            "UTC. It is shown only now; store it safely."
        )
        typer.echo(secret)

    add_view_commands(site=site, org=org, person=person, project=project, agreement=agreement, token=token,
                      peer=peer)
    add_ending_commands(person=person, project=project, agreement=agreement, token=token, peer=peer)
    group.add_typer(site, name="site")
    group.add_typer(org, name="org")
    group.add_typer(person, name="person")
    group.add_typer(project, name="project")
    group.add_typer(agreement, name="agreement")
    group.add_typer(peer, name="peer")
    group.add_typer(token, name="token")
    app.add_typer(group, name="governance")
