"""``imaging-hub labels``: labelling tasks from the hub's console (create, assign, status, agreement, export,
import), against the hub's data folder and database, acting as the local operator and audited through
governance like the other console commands. A cohort is a released snapshot (``--snapshot PROJ/v2``) or a
saved study query over the archive (``--query Modality=CT --query StudyDate=2024*``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE, failed, hub_session
from imaging_hub.governance import Governance, GovernanceError, is_in_force
from imaging_hub.labelling import (
    Actor,
    Cohort,
    CohortStudy,
    LabellingError,
    LabellingRoom,
    Refused,
    TaskSpec,
    parse_reads_csv,
    parse_schema,
    progress_chart,
)
from imaging_hub.store import Archive, Query, QueryError

console = Console(stderr=True)


@dataclass
class Hub:
    gov: Governance
    archive: Archive
    room: LabellingRoom
    actor: Actor


def _fail(message: str, code: int = 1) -> typer.Exit:
    return failed(console, message, code)


@contextmanager
def _hub(data: Path | None, database: str | None, config: Path | None) -> Iterator[Hub]:
    with hub_session(data, database, config, console) as session:
        try:
            room = LabellingRoom.open(session.archive.database.writer, audit=session.room_audit())
            yield Hub(session.gov, session.archive, room, Actor(session.operator.audit_name, kind="cli", manages=None))
        except (LabellingError, Refused, GovernanceError, QueryError) as exc:
            raise _fail(str(exc)) from None


def _snapshot_cohort(hub: Hub, project: str, reference: str) -> Cohort:
    code, _, version = reference.partition("/v")
    if code != project or not version.isdigit():
        raise LabellingError(f"--snapshot must be {project}/vN, a snapshot of the task's project")
    snapshot = hub.gov.snapshots.get(project, int(version))
    sites: dict[str, str] = {}
    for item in hub.gov.snapshots.items(snapshot):
        sites.setdefault(item.study_instance_uid, item.site or "unknown")
    return Cohort("snapshot", reference, tuple(CohortStudy(uid, site) for uid, site in sorted(sites.items())))


def _query_cohort(hub: Hub, project: str, terms: list[str]) -> Cohort:
    filters = {"ClinicalTrialProtocolID": project}
    for term in terms:
        key, sep, value = term.partition("=")
        if not sep or not key.strip():
            raise LabellingError(f"--query {term!r}: expected KEYWORD=VALUE")
        filters[key.strip()] = value.strip()
    found = hub.archive.search(Query("STUDY", filters))
    studies = []
    for ds in found:
        uid = str(ds.StudyInstanceUID)
        held = hub.archive.instances(uid)
        studies.append(CohortStudy(uid, (held[0].clinical_trial_site_id if held else None) or "unknown"))
    return Cohort("query", json.dumps(filters, sort_keys=True), tuple(studies))


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def register(app: typer.Typer) -> None:
    labels = typer.Typer(help="Labelling tasks: readers, worklists, agreement, exports.", no_args_is_help=True)

    @labels.command("create")
    def create(
        project: str = typer.Argument(..., help="Project code."),
        name: str = typer.Argument(..., help="The task's name, unique in the project."),
        schema_file: Path = typer.Option(..., "--schema", help="Label schema (JSON): questions, segments, "
                                         "measurements."),
        reader: list[str] = typer.Option(..., "--reader", help="A reader's account (repeat for each)."),
        snapshot: str | None = typer.Option(None, "--snapshot", help="Cohort: a released snapshot, PROJ/vN."),
        query: list[str] = typer.Option([], "--query", help="Cohort: the project's studies matching KEYWORD=VALUE"
                                         " (repeatable)."),
        reads: int = typer.Option(2, "--reads-per-study", help="Independent reads each study needs."),
        blinded: bool = typer.Option(True, "--blinded/--open", help="Whether readers see each other's reads."),
        adjudicator: str | None = typer.Option(None, "--adjudicator", help="Who reads disagreements; final."),
        threshold: float = typer.Option(0.0, "--threshold", help="Disagreement above this goes to adjudication."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Create a labelling task over a snapshot or a saved study query."""
        if (snapshot is None) == (not query):
            raise _fail("give the cohort as either --snapshot or --query", 2)
        try:
            schema = parse_schema(json.loads(schema_file.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, LabellingError) as exc:
            raise _fail(f"{schema_file.name}: {exc}", 2) from None
        with _hub(data, database, config) as hub:
            cohort = _snapshot_cohort(hub, project, snapshot) if snapshot else _query_cohort(hub, project, query)
            task = hub.room.create_task(hub.actor, TaskSpec(project, name, cohort, schema, tuple(reader), reads,
                                                            blinded, adjudicator, threshold))
        console.print(f"Task {task.id} created: {len(task.studies)} studies, {len(task.readers)} readers.")
        typer.echo(task.id)

    @labels.command("assign")
    def assign(task: int = typer.Argument(..., help="Task id."),
               data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """Give every study its readers (keeps what is already assigned)."""
        with _hub(data, database, config) as hub:
            made = hub.room.assign(hub.actor, task)
        console.print(f"{len(made)} assignment(s) made.")

    @labels.command("status")
    def status(task: int = typer.Argument(..., help="Task id."),
               chart: Path | None = typer.Option(None, "--chart", help="Also write the progress chart (PNG) here."),
               data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """Progress per task, reader and site (JSON on stdout)."""
        with _hub(data, database, config) as hub:
            result = hub.room.progress(hub.actor, task)
        if chart is not None:
            chart.write_bytes(progress_chart(result))
        _print_json(result.to_json())

    @labels.command("agreement")
    def agreement(task: int = typer.Argument(..., help="Task id."),
                  data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """Cohen's kappa per pair of readers and Fleiss' kappa, with 95% intervals, per question (JSON)."""
        with _hub(data, database, config) as hub:
            _print_json(hub.room.agreement(hub.actor, task))

    @labels.command("export")
    def export(task: int = typer.Argument(..., help="Task id."),
               agreement_ref: str = typer.Option(..., "--agreement", help="The data-sharing agreement in force."),
               out: Path = typer.Option(..., "--out", help="A new folder for the export."),
               data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """Export the task's reads, final labels (CSV), SEG/SR files and a manifest, under an agreement."""
        with _hub(data, database, config) as hub:
            the_task = hub.room.require_manager(hub.actor, task, "task.export")
            found = hub.gov.agreements.get(agreement_ref)
            if the_task.project not in {p.code for p in found.projects} or not is_in_force(found, hub.gov.clock()):
                hub.room.record(hub.actor, "task.export", the_task, outcome="denied", agreement=agreement_ref)
                raise LabellingError(f"agreement {agreement_ref} is not in force for project {the_task.project}")

            def label_bytes(uid: str) -> bytes | None:
                held = hub.archive.get(uid)
                return held.path.read_bytes() if held is not None else None

            manifest = hub.room.export(hub.actor, task, out, label_bytes, agreement=agreement_ref)
        console.print(f"Exported {manifest['reads']} read(s), {len(manifest['files'])} file(s) to {out}")

    @labels.command("import")
    def import_reads(task: int = typer.Argument(..., help="Task id."),
                     csv_file: Path = typer.Argument(..., metavar="READS.csv",
                                                     help="study_uid, reader, one column per question/measurement."),
                     data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """Import existing reads from CSV, all or none."""
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"{csv_file.name}: cannot read ({type(exc).__name__})", 2) from None
        with _hub(data, database, config) as hub:
            the_task = hub.room.task(task)
            try:
                rows = parse_reads_csv(text, the_task.schema)
            except LabellingError as exc:
                raise LabellingError(f"{csv_file.name}: {exc}") from None
            count = hub.room.import_reads(hub.actor, task, rows)
        console.print(f"Imported {count} read(s).")

    app.add_typer(labels, name="labels")
