"""``imaging-hub quality check`` (a folder against an acquisition protocol), ``quality run`` (QC on Dask, of a
folder or of a project the hub holds) and ``quality protocol`` (a new version of a project's protocol)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from imaging_hub.cli._quality_hub import run_hub_project, save_hub_protocol
from imaging_hub.quality import (
    AcquisitionProtocol,
    ClusterChoice,
    FolderScan,
    ProtocolError,
    ResultLog,
    check_folder,
    find_outliers,
    iter_files,
    load_protocol,
    run_quality_jobs,
    scan_folder,
)

RECORDS_FILE = "qc-records.jsonl"
OUTLIERS_FILE = "outliers.json"


def _progress(console: Console, label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True)


def _scan(src: Path, console: Console) -> FolderScan:
    total = sum(1 for _ in iter_files(src))
    with _progress(console, "reading headers") as progress:
        task = progress.add_task("scan", total=total)
        return scan_folder(src, on_file=lambda _: progress.advance(task))


def _protocol(path: Path, console: Console) -> AcquisitionProtocol:
    try:
        return load_protocol(path)
    except ProtocolError as exc:
        # The message may hold [brackets] (a regular expression) and must not be wrapped mid-path.
        console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _write_json(path: Path, data: Any) -> None:
    """Whole or not at all: a temporary file beside the target, synced, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check(
    src: Path = typer.Argument(..., exists=True, file_okay=False, readable=True, help="Folder of DICOM files."),
    protocol_file: Path = typer.Option(..., "--protocol", exists=True, dir_okay=False,
                                       help="The acquisition protocol (TOML)."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the full report here as JSON."),
    site: str | None = typer.Option(None, "--site", help="Site whose approved deviations apply "
                                    "(default: each series' ClinicalTrialSiteID)."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when anything is not conformant."),
) -> None:
    """Check every series under SRC against an acquisition protocol, offline.

    Exit status: 0 when the check ran, whatever it found (the summary and the JSON report say what);
    with --strict, 1 when a series breaks a rule, a required series is missing or a series cannot be read;
    2 when the protocol or the arguments are wrong. Files that are not DICOM are named and skipped.
    """
    console = Console(stderr=True)
    protocol = _protocol(protocol_file, console)
    scan = _scan(src, console)
    with _progress(console, "checking series") as progress:
        task = progress.add_task("check", total=len(scan.series))
        report = check_folder(scan, protocol, site=site, on_series=lambda _: progress.advance(task))
    if json_out is not None:
        _write_json(json_out, report.to_dict())
    table = Table(title=f"Conformance to {protocol.name} {protocol.version}")
    for column in ("series", "matched", "conformant", "problems"):
        table.add_column(column, overflow="fold")
    for record in report.records:
        c = record.conformance
        table.add_row(record.series_instance_uid, escape(c.matched or "-"), "yes" if c.conformant else "no",
                      escape("; ".join(f"{p.attribute} {p.rule}: expected {p.expected}, found {p.found}"
                                for p in c.problems)))
    console.print(table)
    for skipped in scan.skipped:
        console.print(f"skipped {skipped.path}: {skipped.reason}", markup=False, soft_wrap=True)
    for uid, reason in report.failed:
        console.print(f"failed {uid}: {reason}", markup=False, soft_wrap=True)
    if report.missing:
        console.print("missing required series: " + ", ".join(report.missing), markup=False, soft_wrap=True)
    non_conformant = sum(1 for r in report.records if not r.conformance.conformant)
    console.print(f"{len(report.records)} series checked, {non_conformant} not conformant, "
                  f"{len(report.missing)} required missing, {len(scan.skipped)} files skipped, "
                  f"{len(report.outliers)} outlying metrics" + (f"; report {json_out}" if json_out else ""))
    if strict and not report.conformant:
        raise typer.Exit(1)


def run(
    src: Path | None = typer.Argument(None, exists=True, file_okay=False, readable=True,
                                      help="Folder of DICOM files (or --project)."),
    out: Path | None = typer.Option(None, "--out", help=f"Results folder: {RECORDS_FILE} (one record per "
                                    f"series, appended) and {OUTLIERS_FILE}."),
    project: str | None = typer.Option(None, "--project", help="Instead of SRC: every series of this project "
                                       "in the hub's archive, results into the hub's database."),
    data: Path | None = typer.Option(None, "--data", help="With --project: hub data folder."),
    database: str | None = typer.Option(None, "--database", help="With --project: hub database URL."),
    config: Path | None = typer.Option(None, "--config", help="With --project: the hub's TOML settings."),
    protocol_file: Path | None = typer.Option(None, "--protocol", exists=True, dir_okay=False,
                                              help="Also check conformance to this protocol."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address "
                                         "(default: a LocalCluster on this machine)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="LocalCluster workers."),
    threads: bool = typer.Option(False, "--threads", help="LocalCluster of threads instead of processes."),
    site: str | None = typer.Option(None, "--site", help="Site whose approved deviations apply."),
) -> None:
    """Image QC of every series under SRC as Dask jobs; resumable: series already done are skipped.

    Exit status: 0 when every series was assessed (or already was), 1 when some failed (run again to
    retry them), 2 when the protocol is wrong.
    """
    console = Console(stderr=True)
    chosen = ClusterChoice(scheduler, workers, processes=not threads)
    if project is not None:
        if src is not None or out is not None or protocol_file is not None:
            console.print("error: --project runs on the hub's archive with the project's own protocol: "
                          "give no SRC, --out or --protocol with it")
            raise typer.Exit(2)
        given = scheduler is not None or workers is not None or threads
        run_hub_project(project, data, database, config, chosen if given else None, console)
        return
    if src is None or out is None:
        console.print("error: give SRC and --out (a folder), or --project (the hub's archive)")
        raise typer.Exit(2)
    protocol = _protocol(protocol_file, console) if protocol_file is not None else None
    scan = _scan(src, console)
    log = ResultLog(out / RECORDS_FILE)
    with _progress(console, "quality jobs") as progress:
        task = progress.add_task("run", total=len(scan.series))
        summary = run_quality_jobs(scan.series, log, protocol=protocol, site=site,
                                   cluster=chosen,
                                   on_done=lambda _: progress.advance(task))
    outliers = find_outliers(log.latest().values())
    _write_json(out / OUTLIERS_FILE, [o.to_dict() for o in outliers])
    for skipped in scan.skipped:
        console.print(f"skipped {skipped.path}: {skipped.reason}", markup=False, soft_wrap=True)
    for uid, reason in summary.failed:
        console.print(f"failed {uid}: {reason}", markup=False, soft_wrap=True)
    console.print(f"{summary.assessed} series assessed, {summary.already_done} already done, "
                  f"{len(summary.failed)} failed, {len(outliers)} outlying metrics; results in {out}")
    if summary.failed:
        raise typer.Exit(1)


def protocol(
    project: str = typer.Argument(..., help="Project code."),
    protocol_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The protocol (TOML)."),
    data: Path | None = typer.Option(None, "--data", help="Hub data folder (default ./imaging-hub-data)."),
    database: str | None = typer.Option(None, "--database", help="Hub database URL."),
    config: Path | None = typer.Option(None, "--config", help="The hub's TOML settings."),
) -> None:
    """Save a new version of a project's acquisition protocol at the hub (checked first; exit 2 if wrong)."""
    save_hub_protocol(project, protocol_file, data, database, config, Console(stderr=True))


def register(app: typer.Typer) -> None:
    quality = typer.Typer(help="Acquisition-protocol conformance and image QC.", no_args_is_help=True)
    quality.command("check")(check)
    quality.command("run")(run)
    quality.command("protocol")(protocol)
    app.add_typer(quality, name="quality")
