"""``imaging-hub demo``: run a hub and three site spokes on this machine, fed with sample hospital data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress

from imaging_hub.cli._signals import StopRequest

if TYPE_CHECKING:
    from imaging_hub.demo import DemoAccounts

console = Console()


def demo(
    data: Path = typer.Option(Path("imaging-hub-data") / "demo", "--data",
                              help="Demo folder (emptied and rebuilt on every run)."),
    http_port: int = typer.Option(8000, "--http-port", help="The hub's HTTPS port."),
    dicom_port: int = typer.Option(11112, "--dicom-port", help="The hub's DICOM port."),
    patients: int = typer.Option(4, "--patients", min=2, max=50, help="Enrolled patients per site."),
    once: bool = typer.Option(False, "--once", help="Stop after loading and checking, instead of serving."),
) -> None:
    """A whole network: hub + three spokes, sample data pushed, filtered, de-identified and delivered."""
    from imaging_hub.demo import DemoError, DemoNetwork, show_rooms, summary_table

    network = DemoNetwork(data.resolve(), http_port=http_port, dicom_port=dicom_port, patients_per_site=patients,
                          console=console)
    stop_request = StopRequest.on_signals()
    try:
        with console.status("starting the hub and three site spokes"):
            accounts, samples = network.start()
        total = sum(len(s.instances()) for s in samples)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("modalities sending to their site's spoke", total=total)
            network.push(samples, lambda n: bar.advance(task, n))
        network.wait_for_delivery(samples)
        studies = network.hub_view(accounts)
        console.print(summary_table(network, samples, studies))
        expected = sum(1 for s in samples for p in s.patients if p.participant_id and not p.opted_out)
        if len(studies) != expected:
            raise DemoError(f"the hub shows {len(studies)} studies where {expected} were expected")
        show_rooms(network.folder, console)  # quality, labelling, AI assurance, network operations on that data
        if once:
            console.print("The demo network loaded and checked its data; stopping (--once).")
        else:
            _print_sign_in(network.hub_url, network.folder, accounts)
            console.print("Press Ctrl+C to stop the network.", style="dim")
            stop_request.wait()
    except DemoError as exc:
        console.print(f"[red]demo failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        network.stop()
    console.print("demo network stopped")


def _print_sign_in(hub_url: str, folder: Path, accounts: DemoAccounts) -> None:
    console.print(f"\nImaging Hub is running at [bold]{hub_url}/[/bold] "
                  f"(certificate from the demo's own CA: {folder / 'tls' / 'ca.pem'})")
    console.print(f"  DICOMweb  {hub_url}/dicom-web")
    console.print(f"  sign in   with password {accounts.password} as any of:")
    for email, roles in accounts.people:
        console.print(f"            {email} ({roles})")
    status_config = folder / "sites" / "RX1" / "spoke.toml"
    console.print(f"  spokes    .venv/bin/imaging-hub spoke status --config {status_config}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
