"""``imaging-hub capacity allocate``: allocate research visits to scan sessions across the network offline."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import typer

from imaging_hub.cli._columns import describe
from imaging_hub.network import NetworkInputError
from imaging_hub.network.capacity import (
    COST_SCALE,
    PLAN_COLUMNS,
    REQUEST_COLUMNS,
    SCANNER_COLUMNS,
    SESSION_COLUMNS,
    SITE_COLUMNS,
    AllocationWeights,
    allocate,
    read_register,
    read_requests,
    site_calendar,
    write_plan,
)

_HELP = "\n\n".join(
    [
        "Allocate the visits in REQUESTS.csv to research session slots from --from for --weeks weeks, minimising "
        "weighted waiting days and travel km, and write the plan with each visit's explanation.",
        describe("REQUESTS.csv", REQUEST_COLUMNS),
        describe("SESSIONS.csv", SESSION_COLUMNS),
        describe("SCANNERS.csv", SCANNER_COLUMNS),
        describe("SITES.csv", SITE_COLUMNS),
        f"PLAN.csv columns: {', '.join(PLAN_COLUMNS)} (an unallocated visit has empty slot columns).",
    ]
)


def register(app: typer.Typer) -> None:
    capacity = typer.Typer(help="Research scan capacity across the network.", no_args_is_help=True)

    @capacity.command("allocate", help=_HELP)
    def allocate_batch(
        requests: Path = typer.Argument(..., metavar="REQUESTS.csv", help="Visit requests."),
        sessions: Path = typer.Argument(..., metavar="SESSIONS.csv", help="Research session templates."),
        scanners: Path = typer.Argument(..., metavar="SCANNERS.csv", help="Scanners."),
        sites: Path = typer.Argument(..., metavar="SITES.csv", help="Sites with coordinates."),
        start: str = typer.Option(..., "--from", help="First date of the horizon, YYYY-MM-DD."),
        weeks: int = typer.Option(..., "--weeks", min=1, max=104, help="Weeks in the horizon."),
        out: Path = typer.Option(..., "--out", help="PLAN.csv to write."),
        wait_weight: float = typer.Option(1.0, help="Cost of one day's wait."),
        travel_weight: float = typer.Option(0.1, help="Cost of one km of travel."),
        time_limit: float = typer.Option(30.0, help="Seconds the solver may search."),
        calendars: Path | None = typer.Option(None, help="Folder to write one iCalendar file per site into."),
    ) -> None:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            typer.echo("Refused: --from is not a date YYYY-MM-DD", err=True)
            raise typer.Exit(2) from None
        try:
            register_ = read_register(sites, scanners, sessions)
            visits = read_requests(requests, register_)
            weights = AllocationWeights(wait_weight, travel_weight)
            plan = allocate(visits, register_, first, weeks, weights=weights, time_limit_s=time_limit)
        except NetworkInputError as exc:
            typer.echo(f"Refused: {exc}", err=True)
            raise typer.Exit(2) from None
        write_plan(out, plan)
        if calendars is not None:
            calendars.mkdir(parents=True, exist_ok=True)
            slots = register_.slots(first, weeks)
            stamp = datetime.now(UTC)
            for site in sorted(register_.sites):
                (calendars / f"{site}.ics").write_bytes(site_calendar(site, slots, plan.bookings, stamp))
        placed = len(plan.bookings)
        proof = "optimal" if plan.optimal else "best found within the time limit"
        typer.echo(
            f"Allocated {placed} of {len(plan.visits)} visit(s) ({proof}, "
            f"cost {plan.total_cost / COST_SCALE:.2f}); wrote {out}"
        )

    app.add_typer(capacity, name="capacity")
