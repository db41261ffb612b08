"""``imaging-hub serve``: the hub's web, DICOMweb and DIMSE services in one process, until SIGTERM."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from imaging_hub.config import HubSettings
from imaging_hub.heap import freeze_start_up

console = Console()


def serve(
    data: Path | None = typer.Option(None, "--data", help="Data folder (default ./imaging-hub-data)."),
    database: str | None = typer.Option(None, "--database", help="postgresql://... (default: SQLite in DATA)."),
    host: str | None = typer.Option(None, "--host", help="Interface to listen on (default 127.0.0.1)."),
    http_port: int | None = typer.Option(None, "--http-port", help="HTTP port (default 8000; 0: any free)."),
    dicom_port: int | None = typer.Option(None, "--dicom-port", help="DICOM port (default 11112; 0: any free)."),
    ae_title: str | None = typer.Option(None, "--ae-title", help="The hub's AE title (default IMAGINGHUB)."),
    config: Path | None = typer.Option(
        None, "--config", help="TOML file with any of these settings (and an [oidc] table for sign-in)."),
    peer: list[str] = typer.Option([], "--peer", help="C-MOVE destination AE@host:port (repeatable)."),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="PEM certificate chain: serve HTTPS."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="PEM private key for --tls-cert."),
    open_access: bool | None = typer.Option(
        None, "--open-access", help="No sign-in, no project restriction. Isolated test rigs and benchmarks only."),
    max_upload_mb: int = typer.Option(2048, "--max-upload-mb", min=1, help="Largest STOW-RS body accepted."),
) -> None:
    """Run the hub: web UI, governance API, DICOMweb at /dicom-web and a DICOM SCP, until SIGINT or SIGTERM."""
    from imaging_hub.api import Hub
    from imaging_hub.dimse import Peer
    from imaging_hub.quality import QualityRoom, QualitySettings, QualitySubscriber
    from imaging_hub.web import OidcSettings, web_face

    try:
        settings = HubSettings.load(config, data=data, database=database, host=host, http_port=http_port,
                                    dicom_port=dicom_port, ae_title=ae_title, tls_cert=tls_cert, tls_key=tls_key,
                                    open_access=open_access)
        peers = [Peer.parse(text) for text in [*settings.peers, *peer]]
        oidc = OidcSettings.load(config)
        quality = QualitySettings.load(config)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if (settings.tls_cert is None) != (settings.tls_key is None):
        console.print("[red]error:[/red] --tls-cert and --tls-key go together")
        raise typer.Exit(2)
    for path in (settings.tls_cert, settings.tls_key):
        if path is not None and not path.is_file():
            console.print(f"[red]error:[/red] TLS file not found: {path}")
            raise typer.Exit(2)
    try:
        # Re-wrapped so the socket reports proto TCP: asyncio then sets TCP_NODELAY on each connection,
        # without which small responses wait ~40 ms on delayed ACKs.
        http_socket = socket.socket(fileno=socket.create_server((settings.host, settings.http_port)).detach())
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot listen on {settings.host}:{settings.http_port}: {exc.strerror}")
        raise typer.Exit(1) from exc
    try:
        hub = Hub(settings.model_copy(update={"peers": []}), extra_peers=peers,
                  max_upload_bytes=max_upload_mb * 1024 * 1024, pages=web_face(oidc))
    except Exception:
        http_socket.close()
        raise
    # Quality assesses each series as it arrives, catching up first on what arrived while the hub was down.
    subscriber = (QualitySubscriber(hub.archive, QualityRoom.open(hub.archive.database.writer),
                                    cluster=quality.cluster, settle_seconds=quality.settle_seconds).start()
                  if quality.subscribe else None)
    try:
        scheme = "https" if settings.tls_cert else "http"
        base = f"{scheme}://{_url_host(settings.host)}:{http_socket.getsockname()[1]}"
        console.print(f"Imaging Hub serving data in [bold]{settings.data}[/bold]")
        console.print(f"  Web       {base}/")
        console.print(f"  DICOMweb  {base}/dicom-web")
        console.print(f"  DICOM     {settings.ae_title}@{settings.host}:{hub.dicom.port}", highlight=False)
        if settings.open_access:
            console.print("  [bold yellow]open access: no sign-in, every caller sees everything[/bold yellow]")
        console.print("Press Ctrl+C (or send SIGTERM) to stop.", style="dim")
        server = uvicorn.Server(uvicorn.Config(
            hub.app, log_level="warning", lifespan="on",
            ssl_certfile=str(settings.tls_cert) if settings.tls_cert else None,
            ssl_keyfile=str(settings.tls_key) if settings.tls_key else None,
        ))
        # uvicorn handles SIGINT/SIGTERM while running and re-raises them once it has stopped; these
        # handlers receive that re-raise (and any signal during start-up), so the cleanup below runs.
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: setattr(server, "should_exit", True))
        freeze_start_up()
        server.run(sockets=[http_socket])
    finally:
        if subscriber is not None:
            subscriber.close()
        hub.close()
        http_socket.close()
    console.print("Imaging Hub stopped.")


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def register(app: typer.Typer) -> None:
    app.command()(serve)
