"""``imaging-hub tokens create``: a person's DICOMweb token, the way a researcher reaches the data from code.

The token is sent as ``Authorization: Bearer <token>`` to ``/dicom-web``; it reads (and with ``--write``
stores) only within the person's projects and active agreements, like their web sign-in. It is printed once,
alone on stdout; only its hash is kept. ``governance token issue`` makes tokens with any scopes.
"""

from __future__ import annotations

from pathlib import Path

import typer

from imaging_hub.cli._governance_common import console, run
from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE
from imaging_hub.governance import Scope
from imaging_hub.governance import administration as admin


def create(
    email: str = typer.Argument(..., help="Whose token: the researcher's email (they must already be a person)."),
    name: str = typer.Option("DICOMweb", "--name", help="What uses it, e.g. 'notebook on my laptop'."),
    write: bool = typer.Option(False, "--write/--read-only", help="Also store (STOW-RS), not only read."),
    days: int = typer.Option(90, "--days", min=1, max=366, help="Days until it expires."),
    data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
) -> None:
    """Create a DICOMweb token for a person (QIDO-RS and WADO-RS; STOW-RS with --write)."""
    scopes = [Scope.DICOM_READ.value] + ([Scope.DICOM_WRITE.value] if write else [])
    secret, row = run(data, database, config, lambda gov: admin.issue_token(gov, email, name, scopes, days),
                      read_only=True)
    console.print(f"DICOMweb token {row.key_id} for {email} ({row.scopes}), expires {row.expires_at:%Y-%m-%d}. "
                  "Send it as 'Authorization: Bearer <token>' to https://<hub>/dicom-web. It is shown only now.")
    typer.echo(secret)


def register(app: typer.Typer) -> None:
    tokens = typer.Typer(help="DICOMweb tokens for researchers and their code.", no_args_is_help=True)
    tokens.command("create")(create)
    app.add_typer(tokens, name="tokens")
