"""``imaging-hub spoke review``: held instances, for sites with or without a browser. ``list``, ``mask``,
``release`` and ``reject`` work on the spoke's data folder directly; ``serve`` runs the review page on this
machine only. Each call is recorded in the spoke's review audit under ``--reviewer``."""

from __future__ import annotations

import getpass
import json
import secrets
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from imaging_hub.cli._existing import require_spoke_data
from imaging_hub.spoke import ReviewDesk, Reviewer, ReviewError, SpokeSettings, connect

console = Console()
review_app = typer.Typer(
    help="Instances held for a person's review of their pixels: list, mask, release, reject.", no_args_is_help=True
)

CONFIG_OPTION = typer.Option(None, "--config", "-c", help="Spoke TOML configuration file.")
DATA_OPTION = typer.Option(None, "--data", help="Spoke data folder (overrides the configuration).")
REVIEWER_OPTION = typer.Option(None, "--reviewer", help="Who decides, for the review audit (default: your login).")
PROJECT_ARGUMENT = typer.Argument(..., help="Project ID.")
INSTANCE_ARGUMENT = typer.Argument(..., help="The held instance's de-identified SOP Instance UID (from `list`).")


def _desk(config: Path | None, data: Path | None) -> tuple[ReviewDesk, Path, str]:
    try:
        settings = SpokeSettings.load(config, data=data)
    except ValueError as exc:
        console.print(f"[red]spoke configuration is not valid:[/red] {exc}")
        raise typer.Exit(2) from exc
    require_spoke_data(settings.data, console)
    return ReviewDesk.for_data_dir(connect(settings.data), settings.data), settings.data, settings.site_id


def _reviewer(name: str | None) -> Reviewer:
    return Reviewer(name or getpass.getuser(), "cli")


def _refused(exc: ReviewError) -> typer.Exit:
    console.print(f"[red]refused:[/red] {exc}")
    return typer.Exit(1)


@review_app.command("list")
def list_held(
    project: str | None = typer.Option(None, "--project", help="Only this project."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    config: Path | None = CONFIG_OPTION,
    data: Path | None = DATA_OPTION,
    reviewer: str | None = REVIEWER_OPTION,
) -> None:
    """Instances held for review, oldest first, with the masks proposed and added."""
    desk, _, _ = _desk(config, data)
    items = desk.held(_reviewer(reviewer), project)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "project_id": i.project_id,
                        "participant_id": i.participant_id,
                        "deid_sop_uid": i.deid_sop_uid,
                        "reason": i.reason,
                        "proposed": [list(b) for b in i.proposed],
                        "added": [list(b) for b in i.added],
                    }
                    for i in items
                ],
                indent=2,
            )
        )
        return
    table = Table(title=f"Held for review: {len(items)}", title_justify="left")
    for column in ("project", "participant", "instance", "why", "masks (x,y,w,h)"):
        table.add_column(column, overflow="fold")
    for i in items:
        masks = "; ".join(
            f"{'proposed' if b in i.proposed else 'added'} {','.join(map(str, b))}" for b in (*i.proposed, *i.added)
        )
        table.add_row(i.project_id, i.participant_id, i.deid_sop_uid, i.reason, masks or "none")
    console.print(table)


@review_app.command()
def mask(
    project: str = PROJECT_ARGUMENT,
    instance: str = INSTANCE_ARGUMENT,
    box: str = typer.Argument(..., help="The mask as x,y,width,height in pixels, e.g. 10,4,180,16."),
    config: Path | None = CONFIG_OPTION,
    data: Path | None = DATA_OPTION,
    reviewer: str | None = REVIEWER_OPTION,
) -> None:
    """Add a mask to a held instance (applied on every frame when it is released)."""
    parts = box.split(",")
    if len(parts) != 4 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        console.print("[red]the mask must be four whole numbers: x,y,width,height[/red]")
        raise typer.Exit(2)
    x, y, w, h = (int(p) for p in parts)
    desk, _, _ = _desk(config, data)
    try:
        item = desk.add_mask(_reviewer(reviewer), project, instance, (x, y, w, h))
    except ReviewError as exc:
        raise _refused(exc) from exc
    console.print(f"mask added: {len(item.proposed)} proposed and {len(item.added)} added mask(s)")


@review_app.command()
def release(
    project: str = PROJECT_ARGUMENT,
    instance: str = INSTANCE_ARGUMENT,
    without_proposed: bool = typer.Option(
        False, "--without-proposed", help="Apply only the masks a reviewer added, not the screen's proposals."
    ),
    config: Path | None = CONFIG_OPTION,
    data: Path | None = DATA_OPTION,
    reviewer: str | None = REVIEWER_OPTION,
) -> None:
    """Apply the masks, queue the instance for the hub, and delete the held copy."""
    desk, _, _ = _desk(config, data)
    try:
        masks = desk.release(_reviewer(reviewer), project, instance, apply_proposed=not without_proposed)
    except ReviewError as exc:
        raise _refused(exc) from exc
    console.print(f"released with {masks} mask(s); queued for the hub")


@review_app.command()
def reject(
    project: str = PROJECT_ARGUMENT,
    instance: str = INSTANCE_ARGUMENT,
    config: Path | None = CONFIG_OPTION,
    data: Path | None = DATA_OPTION,
    reviewer: str | None = REVIEWER_OPTION,
) -> None:
    """Refuse the instance: its held copy is deleted and it will not be sent."""
    desk, _, _ = _desk(config, data)
    try:
        desk.reject(_reviewer(reviewer), project, instance)
    except ReviewError as exc:
        raise _refused(exc) from exc
    console.print("rejected: the held copy is deleted and the instance will not be sent")


@review_app.command()
def serve(
    port: int = typer.Option(8471, "--port", help="Port of the review page."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (this machine only by default)."),
    config: Path | None = CONFIG_OPTION,
    data: Path | None = DATA_OPTION,
    reviewer: str | None = REVIEWER_OPTION,
) -> None:
    """Serve the review page (thumbnails with the proposed masks) from this spoke until Ctrl-C."""
    import uvicorn

    from imaging_hub.web import spoke_review_app

    desk, folder, site_id = _desk(config, data)
    desk.close()
    who = _reviewer(reviewer)
    secret = secrets.token_urlsafe(24)
    console.print(f"review page for {who.name}: http://{host}:{port}/review?token={secret}")
    uvicorn.run(spoke_review_app(folder, who.name, secret, site_id), host=host, port=port, log_level="warning")
