"""The demo's labelling: a task over the project's studies at the hub with two readers (the demo's annotators,
who sign in with the demo password), each of whom has read part of it, disagreeing once; kappa and progress
printed. The readers' worklists (/labelling), the reading page and the lead's agreement page show this task."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from imaging_hub.demo.governance_setup import LABEL_READERS
from imaging_hub.demo.rooms.cases import DemoCase
from imaging_hub.governance import Governance, TrailSink
from imaging_hub.labelling import (
    Actor,
    Cohort,
    CohortStudy,
    LabellingRoom,
    Labels,
    TaskSpec,
    parse_schema,
)
from imaging_hub.store import Archive

READERS = LABEL_READERS
SCHEMA = {"questions": [{"name": "finding", "text": "Dense finding", "categories": ["absent", "present"]}]}


def label_project(gov: Governance, archive: Archive, project: str,
                  cases: list[DemoCase]) -> tuple[Table, dict[str, Any]]:
    """The project's lead manages the task; the readers are the project's annotators."""
    lead_id = gov.projects.get(project).lead_id
    if lead_id is None:
        raise LookupError(f"project {project} has no lead to manage its labelling")
    lead_email = gov.directory.person(lead_id).email
    for email in READERS:
        if gov.directory.person_by_email(email) is None:
            raise LookupError(f"the demo's governance has no reader {email}")

    room = LabellingRoom.open(archive.database.writer, audit=TrailSink(gov.audit))
    manager = Actor(lead_email, manages=frozenset({project}))
    cohort = Cohort("query", f'{{"ClinicalTrialProtocolID": "{project}"}}',
                    tuple(CohortStudy(c.study_uid, c.site) for c in cases))
    task = room.create_task(manager, TaskSpec(project, "Dense finding (demo)", cohort, parse_schema(SCHEMA),
                                              READERS, reads_per_study=2, blinded=True))
    room.assign(manager, task.id)
    # Reader one reads all but the last study, reader two all but the first; reader two calls the study
    # nearest the median (the hardest) differently from reader one.
    hardest = len(cases) // 2
    for number, email in enumerate(READERS):
        actor = Actor(email)
        chosen = range(len(cases) - 1) if number == 0 else range(1, len(cases))
        for index in chosen:
            case = cases[index]
            answer = case.finding if number == 0 or index != hardest else not case.finding
            room.submit_read(actor, task.id, case.study_uid,
                             Labels(answers={"finding": "present" if answer else "absent"}))
    agreement = room.agreement(manager, task.id)
    progress = room.progress(manager, task.id)
    if not agreement["questions"][0]["cohen"]:
        raise LookupError("the demo's readers read too few studies in common for Cohen's kappa")
    return _table(agreement, progress.to_json()), {"task": task.id, "agreement": agreement,
                                                    "progress": progress.to_json()}


def _table(agreement: dict[str, Any], progress: dict[str, Any]) -> Table:
    pair = agreement["questions"][0]["cohen"][0]
    table = Table(title=f"Labelling: task {agreement['task']}, two blinded readers")
    for column in ("reader", "assigned", "read"):
        table.add_column(column)
    for reader, tally in progress["readers"].items():
        table.add_row(reader, str(tally["assigned"]), str(tally["done"]))
    low, high = pair["ci95"]
    ci = f"{low:.2f} to {high:.2f}" if low is not None and high is not None else "not estimable"
    table.caption = (f"Cohen's kappa {pair['kappa']:.2f} (95% CI {ci}) over {pair['subjects']} studies both "
                     f"read; {progress['final']} of {progress['studies']} studies final. Readers: /labelling; "
                     f"the lead: /labelling/tasks/{agreement['task']}/agreement")
    return table
