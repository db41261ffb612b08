"""The offline batch's CSV files: tasks and reporters in, assignments out. Columns are listed once, here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.reporting.pathways import Pathway
from imaging_hub.network.reporting.priority import Priority
from imaging_hub.network.reporting.reporters import Reporter, ReporterLoad
from imaging_hub.network.reporting.roster import RosterSession, parse_session
from imaging_hub.network.reporting.routing import Assignment
from imaging_hub.network.reporting.tasks import ReportingTask
from imaging_hub.network.tabular import Row, read_rows
from imaging_hub.spreadsheet import csv_writer

TASK_COLUMNS = {
    "task_id": "unique task identifier",
    "accession": "accession number of the study",
    "site": "site code where the study was acquired",
    "modality": "DICOM modality, e.g. CT, MR, XR",
    "body_part": "body part examined, e.g. HEAD",
    "priority": "STAT, urgent or routine",
    "acquired_at": "ISO date-time with UTC offset",
    "pathway": "pathway name; rows of one pathway must agree on its target",
    "turnaround_hours": "the pathway's turnaround target in hours (at most 672 = 28 days)",
    "research": "optional, true for a research read (read in research sessions)",
    "subspecialty": "optional, required subspecialty",
    "blinded": "optional, true for a blinded read",
}
REPORTER_COLUMNS = {
    "reporter_id": "unique reporter identifier",
    "home_site": "the reporter's own site code",
    "sites": "site codes credentialed for, ';'-separated",
    "subspecialties": "optional, ';'-separated",
    "sessions": "rostered reporting sessions, ';'-separated: 'Mon 08:00-12:00' or 'START/END' ISO date-times",
    "research_sessions": "optional, research sessions in the job plan, same form",
    "stat_in_hand": "optional, STAT tasks held now (default 0)",
    "workload": "optional, weighted workload held now (default 0)",
    "subspecialty_load": "optional, tasks held per subspecialty: 'neuro=3;msk=1'",
    "share_targets": "optional, target share of a subspecialty's work: 'neuro=0.5'",
}
ASSIGNMENT_COLUMNS = ("task_id", "reporter_id", "reason")
_OPTIONAL = {
    "research",
    "subspecialty",
    "blinded",
    "subspecialties",
    "research_sessions",
    "stat_in_hand",
    "workload",
    "subspecialty_load",
    "share_targets",
}


def read_tasks(path: Path) -> list[ReportingTask]:
    pathways: dict[str, tuple[Pathway, int]] = {}
    tasks = []
    for row in read_rows(path, [c for c in TASK_COLUMNS if c not in _OPTIONAL]):
        pathway = _pathway(row)
        known = pathways.setdefault(pathway.name, (pathway, row.number))
        if known[0] != pathway:
            raise row.error("turnaround_hours", f"pathway {pathway.name} was defined differently on row {known[1]}")
        try:
            priority = Priority.parse(row.text("priority"))
        except ValueError as exc:
            raise row.error("priority", str(exc)) from None
        tasks.append(
            ReportingTask(
                task_id=row.text("task_id"),
                accession=row.text("accession"),
                site=row.text("site"),
                modality=row.text("modality").upper(),
                body_part=row.text("body_part").upper(),
                priority=priority,
                acquired_at=row.instant("acquired_at"),
                pathway=pathway,
                subspecialty=row.optional_text("subspecialty"),
                blinded=row.boolean("blinded"),
            )
        )
    _refuse_repeats(path, [t.task_id for t in tasks], "task_id")
    return tasks


def read_reporters(path: Path) -> list[Reporter]:
    reporters = [_reporter(row) for row in read_rows(path, [c for c in REPORTER_COLUMNS if c not in _OPTIONAL])]
    _refuse_repeats(path, [r.reporter_id for r in reporters], "reporter_id")
    return reporters


@dataclass(frozen=True)
class ReporterEntry:
    """A row of REPORTERS.csv for the hub's register: the reporter, the account they sign in with, and their
    roster as typed (the register keeps it so; every session is parsed first)."""

    reporter: Reporter
    account: str
    sessions: tuple[str, ...]
    research_sessions: tuple[str, ...]


def read_reporter_entries(path: Path) -> list[ReporterEntry]:
    """REPORTERS.csv with an ``account`` column (the reporter's sign-in email), for the hub's register."""
    required = [c for c in REPORTER_COLUMNS if c not in _OPTIONAL] + ["account"]
    entries = [
        ReporterEntry(_reporter(row), row.text("account"), _typed(row, "sessions"), _typed(row, "research_sessions"))
        for row in read_rows(path, required)
    ]
    _refuse_repeats(path, [e.reporter.reporter_id for e in entries], "reporter_id")
    return entries


def _reporter(row: Row) -> Reporter:
    return Reporter(
        reporter_id=row.text("reporter_id"),
        home_site=row.text("home_site"),
        credentialed_sites=row.items("sites"),
        subspecialties=row.items("subspecialties"),
        sessions=_sessions(row, "sessions"),
        research_sessions=_sessions(row, "research_sessions"),
        share_targets=_pairs(row, "share_targets", maximum=1.0),
        load=ReporterLoad(
            stat_in_hand=row.integer("stat_in_hand", default=0, minimum=0),
            workload=row.number_value("workload", default=0.0, minimum=0.0),
            by_subspecialty={k: int(v) for k, v in _pairs(row, "subspecialty_load", whole=True).items()},
        ),
    )


def _typed(row: Row, column: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in row.cells.get(column, "").split(";") if part.strip())


def write_assignments(path: Path, assignments: Sequence[Assignment]) -> None:
    """Written beside the target and renamed into place, so a failed run leaves no half-written file; the ids
    come from files people typed, so they go through ``imaging_hub.spreadsheet`` (formulas defused)."""
    partial = path.with_name(path.name + ".part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        writer.writerow(ASSIGNMENT_COLUMNS)
        for a in assignments:
            writer.writerow([a.task_id, a.reporter_id or "", a.reason])
    partial.replace(path)


def _pathway(row: Row) -> Pathway:
    hours = row.number_value("turnaround_hours", minimum=0.0)
    try:
        return Pathway(row.text("pathway"), timedelta(hours=hours), research=row.boolean("research"))
    except NetworkInputError as exc:
        raise row.error("turnaround_hours", str(exc)) from None


def _sessions(row: Row, column: str) -> tuple[RosterSession, ...]:
    try:
        return tuple(parse_session(spec) for spec in row.items(column))
    except NetworkInputError as exc:
        raise row.error(column, str(exc)) from None


def _pairs(row: Row, column: str, *, maximum: float | None = None, whole: bool = False) -> dict[str, float]:
    pairs = {}
    for item in row.items(column):
        key, sep, raw = item.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not sep or not key.strip() or not value >= 0.0:
            raise row.error(column, "expected NAME=NUMBER pairs separated by ';', numbers not negative")
        if maximum is not None and value > maximum:
            raise row.error(column, f"a value is above {maximum:g}")
        if whole and not value.is_integer():
            raise row.error(column, "counts must be whole numbers")
        pairs[key.strip()] = value
    return pairs


def _refuse_repeats(path: Path, ids: Sequence[str], column: str) -> None:
    first: dict[str, int] = {}
    for offset, ident in enumerate(ids):
        if ident in first:
            raise NetworkInputError(f"{path.name} row {offset + 2}, column '{column}': repeats row {first[ident] + 2}")
        first[ident] = offset
