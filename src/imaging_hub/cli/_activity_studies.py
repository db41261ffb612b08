"""``imaging-hub activity study add|list``: the portfolio studies kept at the hub, registered from the CSV a
network manager keeps (all or nothing, as the local operator, audited); timepoints and reads per participant left
blank are taken from the hub's rooms (``hub.study_imaging``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.api import network_actor, network_audit
from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE, failed, hub_session
from imaging_hub.hub import study_imaging
from imaging_hub.labelling import LabellingRoom
from imaging_hub.network import NetworkInputError
from imaging_hub.network.activity import STUDY_COLUMNS, ActivityInputError, ActivityRoom, read_studies
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.quality import QualityRoom

console = Console(stderr=True)


def register(activity: typer.Typer) -> None:
    study = typer.Typer(help="Portfolio studies kept at the hub.", no_args_is_help=True)

    @study.command("add")
    def add(
        studies_csv: Path = typer.Argument(..., metavar="STUDIES.csv", help=(
            "Columns: " + ", ".join(STUDY_COLUMNS) + " (sites and timepoints separated by ';'; phase as 'Phase II'"
            " or 'N/A'; IRAS ID 6 or 7 digits, CPMS ID 1 to 7). Blank timepoints come from the project's"
            " acquisition protocol, blank or 0 reads per participant from its labelling and worklist tasks.")),
        data: Path | None = DATA,
        database: str | None = DATABASE,
        config: Path | None = CONFIG,
    ) -> None:
        """Register the studies, replacing those with the same IRAS ID; all or none."""
        try:
            studies = read_studies(studies_csv)
        except (ActivityInputError, NetworkInputError) as exc:
            raise failed(console, str(exc), 2) from None
        except (OSError, UnicodeDecodeError):
            raise failed(console, f"{studies_csv.name}: cannot be read", 2) from None
        with hub_session(data, database, config, console) as hub:
            engine = hub.archive.database.writer
            labelling, network = LabellingRoom.open(engine), NetworkRoom.open(engine)
            quality = QualityRoom.open(engine)
            filled = []
            for found in studies:
                if found.timepoints and found.reads_per_participant:
                    filled.append(found)
                    continue
                known = study_imaging(found.project, hub.archive, quality, labelling, network)
                filled.append(replace(found, timepoints=found.timepoints or known.timepoints or (),
                                      reads_per_participant=found.reads_per_participant
                                      or known.reads_per_participant or 0))
            room = ActivityRoom.open(engine, audit=network_audit(hub.gov))
            try:
                room.put_studies(network_actor(hub.operator), filled)
            except ActivityInputError as exc:
                raise failed(console, str(exc), 2) from None
        for done in filled:
            typer.echo(f"{done.iras_id}\t{done.project}\ttimepoints: {', '.join(done.timepoints) or '-'}\t"
                       f"reads per participant: {done.reads_per_participant}")
        console.print(f"{len(filled)} portfolio stud{'y' if len(filled) == 1 else 'ies'} stored.")

    @study.command("list")
    def listing(data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """The portfolio studies the hub keeps, tab-separated."""
        with hub_session(data, database, config, console) as hub:
            studies = ActivityRoom.open(hub.archive.database.writer).studies()
        typer.echo("\t".join(("iras_id", "cpms_id", "title", "phase", "project", "sites", "timepoints",
                              "reads_per_participant")))
        for s in studies:
            typer.echo("\t".join((s.iras_id, s.cpms_id, s.title, s.phase.value, s.project, ";".join(sorted(s.sites)),
                                  ";".join(s.timepoints), str(s.reads_per_participant))))
        console.print(f"{len(studies)} portfolio stud{'y' if len(studies) == 1 else 'ies'}.")

    activity.add_typer(study, name="study")
