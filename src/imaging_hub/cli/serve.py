"""``imaging-hub serve``: the hub's DICOMweb (HTTP) and DIMSE services in one process, until SIGTERM."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from imaging_hub.config import HubSettings

console = Console()


def serve(
    data: Path | None = typer.Option(None, "--data", help="Data folder (default ./imaging-hub-data)."),
    database: str | None = typer.Option(None, "--database", help="postgresql://... (default: SQLite in DATA)."),
    host: str | None = typer.Option(None, "--host", help="Interface to listen on (default 127.0.0.1)."),
    http_port: int | None = typer.Option(None, "--http-port", help="HTTP port (default 8000; 0: any free)."),
    dicom_port: int | None = typer.Option(None, "--dicom-port", help="DICOM port (default 11112; 0: any free)."),
    ae_title: str | None = typer.Option(None, "--ae-title", help="The hub's AE title (default IMAGINGHUB)."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with any of these settings."),
    peer: list[str] = typer.Option([], "--peer", help="C-MOVE destination AE@host:port (repeatable)."),
    max_upload_mb: int = typer.Option(2048, "--max-upload-mb", min=1, help="Largest STOW-RS body accepted."),
) -> None:
    """Run the hub: DICOMweb at /dicom-web and a DICOM SCP, until interrupted (SIGINT or SIGTERM)."""
    from imaging_hub.api import create_app
    from imaging_hub.dimse import DicomServer, Peer
    from imaging_hub.store import Archive

    try:
        settings = HubSettings.load(config, data=data, database=database, host=host, http_port=http_port,
                                    dicom_port=dicom_port, ae_title=ae_title)
        peers = [Peer.parse(text) for text in peer]
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        # Re-wrapped so the socket reports proto TCP: asyncio then sets TCP_NODELAY on each connection,
        # without which small responses wait ~40 ms on delayed ACKs.
        http_socket = socket.socket(fileno=socket.create_server((settings.host, settings.http_port)).detach())
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot listen on {settings.host}:{settings.http_port}: {exc.strerror}")
        raise typer.Exit(1) from exc
    archive = Archive.open(settings.data, settings.database)
    dimse = DicomServer(archive, ae_title=settings.ae_title, host=settings.host, port=settings.dicom_port,
                        peers=peers)
    try:
        dimse.start()
        app = create_app(archive, max_upload_bytes=max_upload_mb * 1024 * 1024)
        http_port_bound = http_socket.getsockname()[1]
        base = f"http://{_url_host(settings.host)}:{http_port_bound}"
        console.print(f"Imaging Hub serving data in [bold]{settings.data}[/bold]")
        console.print(f"  DICOMweb  {base}/dicom-web")
        console.print(f"  DICOM     {settings.ae_title}@{settings.host}:{dimse.port}", highlight=False)
        console.print("Press Ctrl+C (or send SIGTERM) to stop.", style="dim")
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        # uvicorn handles SIGINT/SIGTERM while running and re-raises them once it has stopped; these
        # handlers receive that re-raise (and any signal during start-up), so the cleanup below runs.
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: setattr(server, "should_exit", True))
        server.run(sockets=[http_socket])
    finally:
        dimse.stop()
        archive.close()
        http_socket.close()
    console.print("Imaging Hub stopped.")


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def register(app: typer.Typer) -> None:
    app.command()(serve)
