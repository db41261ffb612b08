"""``imaging-hub worklist route``: route a batch of reporting tasks to reporters offline, with the hub's engine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.api import network_audit
from imaging_hub.cli._columns import describe
from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE, hub_session
from imaging_hub.network import NetworkInputError
from imaging_hub.network.operations import Actor, NetworkRefused, NetworkRoom
from imaging_hub.network.reporting import (
    ASSIGNMENT_COLUMNS,
    REPORTER_COLUMNS,
    TASK_COLUMNS,
    RoutingPolicy,
    WorkloadWeights,
    read_reporter_entries,
    read_reporters,
    read_tasks,
    route,
    write_assignments,
)

_HELP = "\n\n".join(
    [
        "Route TASKS.csv to REPORTERS.csv as at --at, most urgent first; write each task's reporter and why.",
        describe("TASKS.csv", TASK_COLUMNS),
        describe("REPORTERS.csv", REPORTER_COLUMNS),
        f"ASSIGNMENTS.csv columns: {', '.join(ASSIGNMENT_COLUMNS)} (an unassigned task has an empty reporter_id).",
    ]
)


_REPORTERS_HELP = "\n\n".join(
    [
        "Add the reporters in REPORTERS.csv to the hub's shared worklist (as the local operator, audited); each"
        " signs in with the account named. Nothing is added if any row is refused.",
        describe("REPORTERS.csv", {**REPORTER_COLUMNS, "account": "the email the reporter signs in to the hub with"}),
    ]
)
_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    worklist = typer.Typer(help="The shared reporting worklist.", no_args_is_help=True)

    @worklist.command("route", help=_HELP)
    def route_batch(
        tasks: Path = typer.Argument(..., metavar="TASKS.csv", help="Reporting tasks."),
        reporters: Path = typer.Argument(..., metavar="REPORTERS.csv", help="Reporters."),
        at: str = typer.Option(..., "--at", help="Routing time, ISO date-time with UTC offset."),
        out: Path = typer.Option(..., "--out", help="ASSIGNMENTS.csv to write."),
        weights: str = typer.Option("", help="Workload weights, e.g. 'CT=1.0,MR=1.5,XR=0.3,MR/HEAD=2.0,*=1.0'."),
        escalate_at: float = typer.Option(
            0.25, help="Offer a task network-wide once its time left is below this fraction of its target."
        ),
        share_weight: float = typer.Option(2.0, help="Workload units a whole subspecialty share target is worth."),
    ) -> None:
        try:
            moment = datetime.fromisoformat(at)
            if moment.tzinfo is None:
                raise NetworkInputError("--at needs a UTC offset, e.g. 2025-03-03T09:00+00:00")
            policy = RoutingPolicy(WorkloadWeights.parse(weights), escalate_at, share_weight)
            result = route(read_tasks(tasks), read_reporters(reporters), moment, policy)
            write_assignments(out, result.assignments)
        except ValueError as exc:  # NetworkInputError, or --at that is not a date-time
            message = str(exc) if isinstance(exc, NetworkInputError) else "--at is not an ISO date-time"
            typer.echo(f"Refused: {message}", err=True)  # unwrapped: row and column stay greppable
            raise typer.Exit(2) from None
        assigned = sum(1 for a in result.assignments if a.reporter_id)
        typer.echo(
            f"Routed {len(result.assignments)} task(s): {assigned} assigned, "
            f"{len(result.assignments) - assigned} unassigned; wrote {out}"
        )

    @worklist.command("reporters", help=_REPORTERS_HELP)
    def add_reporters(
        reporters: Path = typer.Argument(..., metavar="REPORTERS.csv", help="Reporters, with an account column."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        with hub_session(data, database, config, _console) as session:
            room = NetworkRoom.open(session.archive.database.writer, audit=network_audit(session.gov))
            operator = Actor(session.operator.audit_name, kind="cli", manager=True)
            try:
                entries = read_reporter_entries(reporters)  # every row parsed before anything is added
                known = {v.reporter.reporter_id for v in room.reporters()} & {e.reporter.reporter_id for e in entries}
                if known:
                    raise NetworkInputError(f"already in the register: {', '.join(sorted(known))}")
                for entry in entries:
                    room.add_reporter(operator, entry.reporter, entry.account, sessions=entry.sessions,
                                      research_sessions=entry.research_sessions)
            except (NetworkInputError, NetworkRefused) as exc:  # a bad row names its row and column
                typer.echo(f"Refused: {exc}", err=True)
                raise typer.Exit(2) from None
        typer.echo(f"Added {len(entries)} reporter(s) to the hub's worklist.")

    app.add_typer(worklist, name="worklist")
