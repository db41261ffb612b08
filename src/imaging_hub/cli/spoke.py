"""``imaging-hub spoke``: run a site gateway, and the commands a site data manager uses around it
(status, enrolment, the opt-out register, withdrawal, an on-demand pull)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from imaging_hub.cli._existing import require_spoke_data
from imaging_hub.cli._signals import StopRequest
from imaging_hub.cli._spoke_protocol import with_protocol_checks
from imaging_hub.cli._spoke_review import review_app
from imaging_hub.heap import freeze_start_up
from imaging_hub.logs import LINE_FORMAT
from imaging_hub.quality import ProtocolError
from imaging_hub.spoke import (
    EnrolmentError,
    OptOutFileError,
    Spoke,
    SpokeAlreadyRunning,
    SpokeSettings,
    SpokeStatus,
    StudyReport,
    SubjectHasher,
    WithdrawalError,
    classify,
    connect,
    load_enrolment_file,
    load_register_file,
    request_pull,
    withdraw,
)

console = Console()
spoke_app = typer.Typer(help="Site gateway: intake, enrolment and opt-out filtering, de-identification, delivery.",
                        invoke_without_command=True, no_args_is_help=False)

spoke_app.add_typer(review_app, name="review")

CONFIG_OPTION = typer.Option(None, "--config", "-c", help="Spoke TOML configuration file.")
DATA_OPTION = typer.Option(None, "--data", help="Spoke data folder (overrides the configuration).")


def _settings(config: Path | None, data: Path | None, **overrides: object) -> SpokeSettings:
    try:
        return SpokeSettings.load(config, data=data, **overrides)
    except (ValueError, ValidationError) as exc:
        console.print(f"[red]spoke configuration is not valid:[/red] {exc}")
        raise typer.Exit(2) from exc


@spoke_app.callback()
def run(
    ctx: typer.Context,
    config: Path | None = CONFIG_OPTION,
    data: Path | None = DATA_OPTION,
    dicom_port: int | None = typer.Option(None, "--dicom-port", help="Port of the intake Storage SCP."),
    ae_title: str | None = typer.Option(None, "--ae-title", help="AE title of the intake Storage SCP."),
    pull_now: bool = typer.Option(False, "--pull", help="Pull every enrolled participant from the PACS at start."),
    log_level: str = typer.Option("INFO", "--log-level", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Run a spoke until SIGTERM or Ctrl-C (subcommands: status, enrol, opt-out, withdraw, pull)."""
    if ctx.invoked_subcommand is not None:
        return
    logging.basicConfig(level=log_level.upper(), format=LINE_FORMAT)
    for chatty in ("pynetdicom", "httpx"):  # per-PDU and per-request lines drown the spoke's own decisions
        logging.getLogger(chatty).setLevel(logging.WARNING)
    settings = _settings(config, data, dicom_port=dicom_port, ae_title=ae_title)
    try:
        settings, left_to_hub = with_protocol_checks(settings)
    except ProtocolError as exc:
        console.print(f"spoke configuration is not valid: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    for item in left_to_hub:
        console.print(f"acquisition protocol: {item}", markup=False, highlight=False, soft_wrap=True)
    try:
        spoke = Spoke(settings)
    except (ValueError, OSError) as exc:
        console.print(f"[red]spoke cannot start:[/red] {exc}")
        raise typer.Exit(2) from exc

    stop_request = StopRequest.on_signals()
    try:
        spoke.start()
    except SpokeAlreadyRunning as exc:
        console.print(f"[red]spoke cannot start:[/red] {exc}")
        raise typer.Exit(2) from exc
    freeze_start_up()
    console.print(f"spoke [bold]{settings.site_id}[/bold] running: DICOM {settings.ae_title}@{settings.host}:"
                  f"{spoke.scp.port}, hub {settings.hub.url}, data {settings.data}")
    if pull_now:
        conn = connect(settings.data)
        request_pull(conn)
        conn.close()
    stop_request.wait(until=spoke.stopping)
    spoke.stop()
    console.print("spoke stopped")


def study_table(studies: list[StudyReport]) -> Table:
    """One row per study, readable at 80 columns: the counts at each stage are in the detail (and in --json)."""
    table = Table(title="Enrolled studies", title_justify="left", expand=False)
    table.add_column("project", overflow="fold")
    table.add_column("participant", overflow="fold")
    table.add_column("study", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", ratio=1, overflow="fold")
    colours = {"complete": "green", "incomplete": "yellow", "failed": "red"}
    for s in studies:
        verdict, detail = classify(s)
        table.add_row(s.project_id, s.participant_id, "…" + s.study_uid[-8:] if s.study_uid else "-",
                      f"[{colours[verdict]}]{verdict}[/{colours[verdict]}]", detail)
    return table


@spoke_app.command()
def status(
    config: Path | None = CONFIG_OPTION, data: Path | None = DATA_OPTION,
    project: str | None = typer.Option(None, "--project", help="Only this project."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """What this spoke holds, what left, what is missing and why."""
    settings = _settings(config, data)
    require_spoke_data(settings.data, console)  # read-only: never creates a data folder
    state = SpokeStatus.read(settings.data, project)
    if as_json:
        typer.echo(json.dumps({
            "running": state.running, "health": state.health, "backlog": state.backlog, "dropped": state.dropped,
            "opt_out": state.opt_out.__dict__, "withdrawals_pending": state.withdrawals_pending,
            "studies": [{**s.model_dump(exclude={"check"}), "status": classify(s)[0], "detail": classify(s)[1]}
                        for s in state.studies],
        }, indent=2))
        return
    console.print(f"spoke {settings.site_id}: {'[green]running[/green]' if state.running else '[yellow]not running'}"
                  f"{'[/yellow]' if not state.running else ''}")
    for key in ("accepting", "disk", "hub", "reconciliation", "last_pull", "intake_pending", "pipeline", "deid_workers",
                "opt_out"):
        if key in state.health:
            console.print(f"  {key}: {state.health[key]}")
    console.print(f"  outbox: {state.backlog or 'empty'}")
    console.print(f"  dropped at the spoke: {state.dropped or 'none'}")
    register = state.opt_out
    console.print(f"  opt-out register: {register.entries} entries, last checked {register.latest_check or 'never'}")
    if state.withdrawals_pending:
        console.print(f"  withdrawals waiting to reach the hub: {state.withdrawals_pending}")
    console.print(study_table(state.studies))


@spoke_app.command()
def enrol(
    project: str = typer.Argument(..., help="Project ID (as in the spoke configuration)."),
    csv_file: Path = typer.Argument(..., help="CSV: participant_id, local_patient_id, nhs_number, window_start,"
                                    " window_end, modalities."),
    config: Path | None = CONFIG_OPTION, data: Path | None = DATA_OPTION,
) -> None:
    """Load (insert or update) a project's participants."""
    settings = _settings(config, data)
    if settings.projects and project not in {p.id for p in settings.projects}:
        console.print(f"[red]project {project} is not configured at this spoke[/red]")
        raise typer.Exit(2)
    conn = connect(settings.data)
    try:
        count = load_enrolment_file(conn, project, csv_file)
    except EnrolmentError as exc:
        console.print(f"[red]{csv_file.name}: {exc}[/red]; nothing loaded")
        raise typer.Exit(1) from exc
    finally:
        conn.close()
    console.print(f"{count} participant(s) enrolled in {project}")


@spoke_app.command("opt-out")
def opt_out(
    register_file: Path = typer.Argument(..., help="The file from NHS England's check service."),
    config: Path | None = CONFIG_OPTION, data: Path | None = DATA_OPTION,
) -> None:
    """Load the national data opt-out register now (a running spoke also reloads its configured file)."""
    settings = _settings(config, data)
    conn = connect(settings.data)
    try:
        count = load_register_file(conn, register_file, SubjectHasher.for_data_dir(settings.data))
    except OptOutFileError as exc:
        console.print(f"[red]{exc}[/red]; previous register kept")
        raise typer.Exit(1) from exc
    finally:
        conn.close()
    console.print(f"opt-out register loaded: {count} NHS number(s) (kept as keyed hashes only)")


@spoke_app.command("withdraw")
def withdraw_command(
    project: str = typer.Argument(..., help="Project ID (as in the spoke configuration)."),
    participant: str = typer.Argument(..., help="The participant's study ID (as in the enrolment file)."),
    config: Path | None = CONFIG_OPTION, data: Path | None = DATA_OPTION,
) -> None:
    """Withdraw a participant: nothing new leaves, and the hub is told to remove what it holds."""
    settings = _settings(config, data)
    conn = connect(settings.data)
    try:
        discarded = withdraw(conn, project, participant)
    except WithdrawalError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        conn.close()
    console.print(f"{participant} withdrawn from {project}: {discarded} queued instance(s) discarded; the hub will be"
                  " told by the running spoke")


@spoke_app.command()
def pull(
    project: str | None = typer.Option(None, "--project", help="Only this project (default: every project)."),
    config: Path | None = CONFIG_OPTION, data: Path | None = DATA_OPTION,
) -> None:
    """Ask the running spoke to pull enrolled participants' studies from the PACS now."""
    settings = _settings(config, data)
    conn = connect(settings.data)
    request_pull(conn, project)
    conn.close()
    console.print("pull requested; the running spoke starts it within a second (see `imaging-hub spoke status`)")


def register(app: typer.Typer) -> None:
    app.add_typer(spoke_app, name="spoke")
