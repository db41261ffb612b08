"""``imaging-hub assurance reader-study create|list|analyse``: reader studies against the hub's data folder and
database, as the local operator, audited through governance.

``create`` makes the two labelling tasks (without and with the AI's output) over a stored run's scored cases
and records the study; readers then read on the web (``/labelling``), where the aided page shows the tool's
output. ``analyse`` writes the group's Obuchowski-Rockette analysis. Each reader's own feedback is on the web
alone (``/assurance/reader-studies/{id}/feedback``), for that reader: the console's operator is not a reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from imaging_hub.cli._hub_session import CONFIG, DATA, DATABASE, failed, hub_session
from imaging_hub.errors import ImagingHubError
from imaging_hub.governance import GovernanceError
from imaging_hub.hub import ReaderStudies, StudyActor, StudyPlan
from imaging_hub.labelling import LabellingRoom

console = Console(stderr=True)


@contextmanager
def _studies(data: Path | None, database: str | None, config: Path | None) -> Iterator[tuple[ReaderStudies,
                                                                                               StudyActor]]:
    from imaging_hub.assurance import AssuranceRoom

    with hub_session(data, database, config, console) as session:
        try:
            writer = session.archive.database.writer
            room = AssuranceRoom.open(writer, audit=session.room_audit())
            studies = ReaderStudies(LabellingRoom.open(writer, audit=session.room_audit()), lambda: room)
            yield studies, StudyActor(session.operator.audit_name, kind="cli", leads=None)
        except (ImagingHubError, GovernanceError) as exc:
            raise failed(console, str(exc)) from None


def _reference(studies: ReaderStudies, project: str, csv_file: Path | None, task: int | None, question: str,
               positive: str) -> tuple[dict[str, int], str]:
    """Study UID -> 0/1 from a CSV (``case_id, label``) or a labelling task's final answers, and where from."""
    from imaging_hub.assurance import AssuranceInputError, read_reference

    if (csv_file is None) == (task is None):
        raise AssuranceInputError("give the reference as either --reference or --labels-task")
    if csv_file is None:
        return studies.reference_from_task(project, task or 0, question, positive)
    rows, source = read_reference(csv_file), csv_file.name
    if any(row.get("label") not in ("0", "1") for row in rows.values()):
        raise AssuranceInputError("the reference's label column must be 0 or 1 on every row")
    return {case: int(row["label"]) for case, row in rows.items()}, source


def add_reader_study_commands(assurance: typer.Typer) -> None:
    readers = typer.Typer(help="Reader studies: readers with and without an AI tool's output (MRMC).",
                          no_args_is_help=True)

    @readers.command("create")
    def create(
        run_id: int = typer.Option(..., "--run", help="The AI tool's run whose study scores aided readers see."),
        name: str = typer.Option(..., "--name", help="The study's name (its two labelling tasks are named after "
                                 "it)."),
        reader: list[str] = typer.Option(..., "--reader", help="A reader's account email; give two or more."),
        reference: Path | None = typer.Option(None, "--reference", exists=True, dir_okay=False,
                                              help="CSV: case_id (the Study Instance UID), label (0/1)."),
        labels_task: int | None = typer.Option(None, "--labels-task", help="Or: a labelling task whose final "
                                               "answers are the reference."),
        question: str = typer.Option("", "--question", help="With --labels-task: the question that is the label."),
        positive: str = typer.Option("", "--positive", help="With --labels-task: the answer that counts as 1."),
        asked: str = typer.Option("Is the finding present?", "--ask", help="The question readers answer."),
        washout_days: int = typer.Option(0, "--washout-days", help="Days between a reader's unaided and aided "
                                         "reads of a case (0: at once, sequential reading)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """Set up a reader study: two blinded labelling tasks over the reference's cases, every reader every case."""
        with _studies(data, database, config) as (studies, actor):
            run = studies.assurance.run(run_id)
            truth, source = _reference(studies, run.project, reference, labels_task, question, positive)
            record = studies.create(actor, StudyPlan(name, run_id, tuple(reader), truth, source, asked,
                                                     washout_days))
        console.print(f"reader study {record.id}: {len(record.readers)} readers, {len(record.reference)} cases; "
                      f"labelling task {record.unaided_task} without AI, task {record.aided_task} with AI")

    @readers.command("list")
    def listing(data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG) -> None:
        """The reader studies as JSON."""
        with _studies(data, database, config) as (studies, _):
            found = studies.assurance.reader_studies()
        typer.echo(json.dumps([s.to_json() for s in found], indent=1))

    @readers.command("analyse")
    def analyse(
        study_id: int = typer.Argument(..., help="The reader study's id."),
        out: Path = typer.Option(..., "--out", help="Folder for reader-study.json (the group's figures)."),
        data: Path | None = DATA, database: str | None = DATABASE, config: Path | None = CONFIG,
    ) -> None:
        """AUC without and with the AI, their difference with a 95% CI and p (Obuchowski-Rockette, Hillis ddf)."""
        from imaging_hub.assurance import write_together

        with _studies(data, database, config) as (studies, actor):
            record, result = studies.analyse(actor, study_id)
        document = result.to_json()
        document.pop("reader_auc")  # each reader's figures are theirs, in their own feedback
        document["study"] = record.to_json()
        write_together(out, {"reader-study.json": json.dumps(document, indent=1, allow_nan=False).encode()})
        for c in result.comparisons:
            d = c.difference
            console.print(f"AUC without AI {result.modality_auc['unaided'].estimate:.3f}, with AI "
                          f"{result.modality_auc['aided'].estimate:.3f}; difference {d.estimate:+.3f} "
                          f"({d.low:+.3f} to {d.high:+.3f}), p = {c.p_value:.3g}; {len(record.readers)} readers, "
                          f"{len(record.reference)} cases. Wrote {out}/reader-study.json")

    assurance.add_typer(readers, name="reader-study")
