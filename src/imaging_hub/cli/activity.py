"""``imaging-hub activity count``: research activity per study, site and month from what arrived at the hub
(scans per protocol timepoint; participants enrolled: the spokes' counts, else first arrivals), written as
the monthly CSV and the CSV a network manager uploads to the national portfolio system. Reads the hub; changes
nothing. ``imaging-hub activity study add|list`` (``_activity_studies``) keeps the portfolio studies at the hub."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.cli import _activity_studies
from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE
from imaging_hub.config import HubSettings
from imaging_hub.hub import hub_activity, spoke_recruitment
from imaging_hub.network import NetworkInputError
from imaging_hub.network.activity import (
    STUDY_COLUMNS,
    ActivityInputError,
    count_activity,
    read_studies,
    write_monthly_activity,
    write_portfolio_upload,
)
from imaging_hub.store import Archive

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    activity = typer.Typer(help="Research activity counted from the hub's arrivals.", no_args_is_help=True)

    @activity.command("count")
    def count(
        studies_csv: Path = typer.Argument(
            ...,
            help="Portfolio studies, columns: "
            + ", ".join(STUDY_COLUMNS)
            + " (sites and timepoints separated by ';').",
        ),
        out: Path = typer.Option(..., "--out", help="Monthly activity CSV to write (per study, site and month)."),
        portfolio: Path | None = typer.Option(None, "--portfolio", help="Also write the portfolio upload CSV."),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Count scans per protocol timepoint and enrolments per site and month; unknown projects and timepoints
        are tallied, not dropped."""
        try:
            settings = HubSettings.load(config, data=data, database=database)
            studies = read_studies(studies_csv)
        except (ValueError, OSError) as exc:
            console.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        if not settings.data.is_dir():
            console.print("error: no hub data folder there; run imaging-hub serve or demo first", markup=False)
            raise typer.Exit(2)
        archive = Archive.open(settings.data, settings.database)
        try:
            found = hub_activity(archive)
            spokes = spoke_recruitment(archive)
        finally:
            archive.close()
        try:
            report = count_activity(studies, found.arrivals, enrolments=found.enrolments, recruited=spokes.counts,
                                    recruiting_sites=spokes.sites)
        except (ActivityInputError, NetworkInputError) as exc:
            console.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        write_monthly_activity(report, out)
        if portfolio is not None:
            write_portfolio_upload(report, portfolio)
        console.print(
            f"{len(found.arrivals)} studies and {len(found.enrolments)} participants seen; "
            f"{len(spokes.sites)} site(s) reporting recruitment from their spokes; "
            f"{len(report.rows)} study-site-months; {report.not_portfolio} records of other projects; "
            f"{sum(report.unknown_timepoints.values())} scans of timepoints outside the protocols."
        )

    _activity_studies.register(activity)
    app.add_typer(activity, name="activity")
