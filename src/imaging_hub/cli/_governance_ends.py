"""``imaging-hub governance``: the commands that end access, each audited as the local operator:
``person deactivate``, ``token revoke``, ``agreement suspend|resume|terminate``, ``peer remove`` and
``project remove-member``."""

from __future__ import annotations

from pathlib import Path

import typer

from imaging_hub.cli._governance_common import console, run, when
from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE
from imaging_hub.governance import offboarding

REASON = typer.Option(..., "--reason", help="Why (recorded in the audit trail).")


def add_ending_commands(*, person: typer.Typer, project: typer.Typer, agreement: typer.Typer, token: typer.Typer,
                        peer: typer.Typer) -> None:
    @person.command("deactivate")
    def person_deactivate(
        email: str = typer.Argument(..., help="Their email address."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Deactivate a person: they cannot sign in, and their tokens and DICOM peers stop working."""
        run(data, database, config, lambda gov: offboarding.deactivate_person(gov, email), read_only=True)
        console.print(f"{email} is deactivated.")

    @project.command("remove-member")
    def project_remove_member(
        code: str = typer.Argument(..., help="The project code."),
        email: str = typer.Argument(..., help="The member's email address."),
        role: str | None = typer.Option(None, "--role", help="Only this role (default: every role they hold)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Take a person's roles in a project away."""
        removed = run(data, database, config, lambda gov: offboarding.remove_member(gov, email, code, role),
                      read_only=True)
        console.print(f"{email} no longer holds {', '.join(removed)} in {code}.")

    @agreement.command("suspend")
    def agreement_suspend(
        reference: str = typer.Argument(..., help="The agreement's reference."), reason: str = REASON,
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Suspend an agreement: access under it stops until it is resumed."""
        run(data, database, config, lambda gov: offboarding.suspend_agreement(gov, reference, reason),
            read_only=True)
        console.print(f"Agreement [bold]{reference}[/bold] is suspended.")

    @agreement.command("resume")
    def agreement_resume(
        reference: str = typer.Argument(..., help="The agreement's reference."), reason: str = REASON,
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Resume a suspended agreement."""
        run(data, database, config, lambda gov: offboarding.resume_agreement(gov, reference, reason),
            read_only=True)
        console.print(f"Agreement [bold]{reference}[/bold] is active again.")

    @agreement.command("terminate")
    def agreement_terminate(
        reference: str = typer.Argument(..., help="The agreement's reference."), reason: str = REASON,
        at: str | None = typer.Option(None, "--at", help="ISO date or date-time it ends (default now)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Terminate an agreement, now or at a set time: access under it stops then, by itself."""
        moment = when(at, "--at")
        ended = run(data, database, config,
                    lambda gov: offboarding.terminate_agreement(gov, reference, reason, moment), read_only=True)
        console.print(f"Agreement [bold]{reference}[/bold] terminates {ended.terminates_at:%Y-%m-%d %H:%M} UTC.")

    @token.command("revoke")
    def token_revoke(
        key_id: str = typer.Argument(..., help="The token's key id (`governance token list`)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Revoke an API token: its next request is refused."""
        run(data, database, config, lambda gov: offboarding.revoke_token(gov, key_id), read_only=True)
        console.print(f"Token {key_id} is revoked.")

    @peer.command("remove")
    def peer_remove(
        ae_title: str = typer.Argument(..., help="The peer's calling AE title."),
        address: str = typer.Option(..., "--address", help="The address it was mapped from ('*' for any)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Remove a DICOM peer: its next association is refused."""
        run(data, database, config, lambda gov: offboarding.remove_dimse_peer(gov, ae_title, address),
            read_only=True)
        console.print(f"DICOM peer [bold]{ae_title}[/bold] from {address} removed.")
