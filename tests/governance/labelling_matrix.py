"""Requests for the labelling pages' rows of the authorisation matrix: each builds a fresh task in the cell's
project (LUNG1 inside, BRAIN2 outside) whose one study is read by the annotator, the researcher and LUNG1's
lead, managed by the project's lead, so a request never depends on an earlier one."""

from __future__ import annotations

import uuid
from typing import Any

from imaging_hub.labelling import Actor, Cohort, CohortStudy, LabellingRoom, TaskSpec, parse_schema

from .hub import Hub

READERS = ("ann@uni.example", "res@uni.example", "lead@uni.example")
SCHEMA = {"questions": [{"name": "finding", "categories": ["absent", "present"]}]}
AGREEMENTS = {"LUNG1": "DSA-2026-001", "BRAIN2": "DSA-2026-002"}


def labelling_task(hub: Hub, project: str) -> tuple[int, str]:
    """A new task over the project's study; (task id, study UID)."""
    manager = Actor("manager", manages=frozenset({project}))
    room = LabellingRoom.open(hub.archive.database.writer)
    study = hub.studies[project]
    task = room.create_task(
        manager,
        TaskSpec(
            project,
            f"matrix {uuid.uuid4().hex[:8]}",
            Cohort("query", project, (CohortStudy(study, "RXX"),)),
            parse_schema(SCHEMA),
            READERS,
            reads_per_study=len(READERS),
        ),
    )
    room.assign(manager, task.id)
    return task.id, study


def reading_page(hub: Hub, cell: Any) -> tuple[str, str, dict[str, Any]]:
    task, study = labelling_task(hub, cell.project)
    return "GET", f"/labelling/tasks/{task}/studies/{study}", {}


def read_form(hub: Hub, cell: Any) -> tuple[str, str, dict[str, Any]]:
    task, study = labelling_task(hub, cell.project)
    return (
        "POST",
        f"/labelling/tasks/{task}/studies/{study}/read",
        {"data": {"csrf": "{csrf}", "q_finding": "absent"}},
    )


def task_page(suffix: str) -> Any:
    def build(hub: Hub, cell: Any) -> tuple[str, str, dict[str, Any]]:
        task, _ = labelling_task(hub, cell.project)
        return "GET", f"/labelling/tasks/{task}/{suffix}", {}

    return build


def export(hub: Hub, cell: Any) -> tuple[str, str, dict[str, Any]]:
    task, _ = labelling_task(hub, cell.project)
    return (
        "POST",
        f"/labelling/tasks/{task}/export",
        {"data": {"csrf": "{csrf}", "agreement": AGREEMENTS[cell.project]}},
    )


def import_csv(hub: Hub, cell: Any) -> tuple[str, str, dict[str, Any]]:
    task, study = labelling_task(hub, cell.project)
    text = f"study_uid,reader,finding\n{study},ann@uni.example,present\n"
    return (
        "POST",
        f"/labelling/tasks/{task}/import",
        {"data": {"csrf": "{csrf}"}, "files": {"reads": ("reads.csv", text.encode(), "text/csv")}},
    )
