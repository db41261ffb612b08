"""``imaging-hub tls``: a private CA and the hub's HTTPS certificate, for a network without a public one."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.tls import issue_network_tls


def tls(
    folder: Path = typer.Argument(Path("tls"), help="Folder to write ca.pem, hub.pem and hub.key into."),
    hostnames: list[str] = typer.Option(
        ["localhost"], "--host", help="A DNS name the hub is reached by (repeatable; the first is its common name)."
    ),
    addresses: list[str] = typer.Option(
        ["127.0.0.1"], "--ip", help="An IP address the hub is reached by (repeatable)."
    ),
    days: int = typer.Option(365, "--days", min=1, max=825, help="Days the certificates are valid."),
    force: bool = typer.Option(False, "--force/--no-force", help="Replace certificates already in FOLDER."),
) -> None:
    """Make a private certificate authority and a hub certificate signed by it, for `imaging-hub serve
    --tls-cert hub.pem --tls-key hub.key`. Give ca.pem to every spoke and client (the spoke's `[hub] ca_bundle`)."""
    console = Console(stderr=True)
    existing = [name for name in ("ca.pem", "hub.pem", "hub.key") if (folder / name).exists()]
    if existing and not force:
        console.print(f"[red]error:[/red] {folder} already holds {', '.join(existing)}; use --force to replace them")
        raise typer.Exit(2)
    try:
        files = issue_network_tls(folder, days=days, hostnames=tuple(hostnames), addresses=tuple(addresses))
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"Wrote the CA certificate {files.ca} (give it to spokes and clients), the hub certificate "
                  f"{files.cert} and its private key {files.key} (mode 0600), valid {days} days, for "
                  f"{', '.join([*hostnames, *addresses])}. The CA's own key was not kept.")


def register(app: typer.Typer) -> None:
    app.command("tls")(tls)
