"""``imaging-hub deid`` (de-identify a folder tree) and ``imaging-hub keygen`` (write a project key)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from imaging_hub.deid import (
    FileResult,
    KeyFileError,
    Profile,
    ProfileError,
    ProjectKey,
    deidentify_tree,
    iter_files,
)


def _profile(name: str) -> Profile:
    path = Path(name)
    if name.endswith(".toml") or path.is_file():
        return Profile.from_toml(path)
    return Profile.builtin(name)


def deid(
    src: Path = typer.Argument(..., exists=True, file_okay=False, readable=True, help="Input folder (read only)."),
    dst: Path = typer.Argument(..., help="Output folder; files are named by their new UIDs."),
    profile: str = typer.Option("research", "--profile", help="basic, research or a TOML profile file."),
    key_file: Path = typer.Option(..., "--key-file", help="The project key (imaging-hub keygen)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    project_id: str | None = typer.Option(None, "--project-id", help="Written to ClinicalTrialProtocolID."),
    site_id: str | None = typer.Option(None, "--site-id", help="Written to ClinicalTrialSiteID."),
    report_dir: Path | None = typer.Option(None, "--report-dir", help="Default: DST-report beside DST."),
) -> None:
    """De-identify every DICOM file under SRC into DST."""
    console = Console(stderr=True)
    try:
        chosen = _profile(profile)
        key = ProjectKey.load(key_file)
    except (ProfileError, KeyFileError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    total = sum(1 for _ in iter_files(src))
    with Progress(TextColumn("de-identifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("deid", total=total)

        def advance(_: FileResult) -> None:
            progress.advance(task)

        try:
            report = deidentify_tree(src, dst, chosen, key, workers=workers, project_id=project_id,
                                     site_id=site_id, on_result=advance)
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
    dst = dst.resolve()
    folder = report_dir or dst.with_name(dst.name + "-report")
    json_path, html_path = report.write(folder)
    table = Table(title=f"De-identification ({chosen.name}, key {key.fingerprint})")
    table.add_column("outcome")
    table.add_column("files", justify="right")
    for status in ("deidentified", "quarantined", "failed", "skipped"):
        table.add_row(status, str(report.counts[status]))
    console.print(table)
    for item in report.quarantined + report.failed + report.skipped:
        # markup off: a file name may hold brackets; soft wrap: each file on one line, whole
        console.print(f"{item['source']}: {item['reason']}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"{report.instances_per_second:.1f} instances/s; report {json_path} and {html_path}")
    if not report.ok:
        raise typer.Exit(1)
    if not report.counts["deidentified"]:
        console.print(f"[red]error:[/red] no DICOM Part 10 file found under {src}")
        raise typer.Exit(1)


def keygen(
    file: Path = typer.Argument(..., help="Where to write the new key (mode 0600)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing key file."),
) -> None:
    """Write a new project key."""
    key = ProjectKey.generate()
    try:
        key.save(file, overwrite=force)
    except FileExistsError:
        typer.echo(f"error: {file} exists; use --force to replace it (data keyed with it becomes unlinkable)",
                   err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote project key {key.fingerprint} to {file}")


def register(app: typer.Typer) -> None:
    app.command("deid")(deid)
    app.command("keygen")(keygen)
