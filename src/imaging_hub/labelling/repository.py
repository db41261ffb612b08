"""Reading and writing the room's tables: rows in, model values out. No decisions are made here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub.labelling import tables as t
from imaging_hub.labelling.errors import NotFound
from imaging_hub.labelling.model import Assignment, CohortStudy, Read, Task
from imaging_hub.labelling.schema import parse_schema


def aware(value: datetime) -> datetime:
    """SQLite hands timestamps back naive; they were written as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def load_task(conn: Connection, task_id: int, *, with_studies: bool = True) -> Task:
    """``with_studies=False``: the task without its cohort (for per-study lookups over large cohorts)."""
    row = conn.execute(sa.select(t.task).where(t.task.c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(f"no labelling task {task_id}")
    readers = conn.execute(sa.select(t.reader.c.reader).where(t.reader.c.task_id == task_id)
                           .order_by(t.reader.c.reader)).scalars().all()
    studies = conn.execute(sa.select(t.study.c.study_uid, t.study.c.site).where(t.study.c.task_id == task_id)
                           .order_by(t.study.c.position)).all() if with_studies else []
    return Task(row["id"], row["project"], row["name"], row["cohort_kind"], row["cohort_reference"],
                parse_schema(row["label_schema"]), tuple(readers), row["reads_per_study"], bool(row["blinded"]),
                row["adjudicator"], float(row["threshold"]), aware(row["created_at"]), row["created_by"],
                tuple(CohortStudy(s.study_uid, s.site) for s in studies))


def task_ids(conn: Connection, project: str | None = None) -> list[int]:
    query = sa.select(t.task.c.id).order_by(t.task.c.id)
    if project is not None:
        query = query.where(t.task.c.project == project)
    return list(conn.execute(query).scalars())


def find_task(conn: Connection, project: str, name: str) -> int:
    found = conn.execute(sa.select(t.task.c.id).where(t.task.c.project == project, t.task.c.name == name)).scalar()
    if found is None:
        raise NotFound(f"no labelling task {name!r} in project {project}")
    return int(found)


def _assignment(row: Any) -> Assignment:
    return Assignment(row.id, row.task_id, row.study_uid, row.reader, row.role, aware(row.assigned_at),
                      bool(row.done))


def assignments(conn: Connection, task_id: int | None = None, reader: str | None = None,
                open_only: bool = False) -> list[Assignment]:
    query = sa.select(t.assignment).order_by(t.assignment.c.id)
    if task_id is not None:
        query = query.where(t.assignment.c.task_id == task_id)
    if reader is not None:
        query = query.where(t.assignment.c.reader == reader)
    if open_only:
        query = query.where(t.assignment.c.done.is_(False))
    return [_assignment(row) for row in conn.execute(query)]


def add_assignment(conn: Connection, task_id: int, study_uid: str, reader: str, role: str, now: datetime) -> int:
    key = conn.execute(t.assignment.insert().values(
        task_id=task_id, study_uid=study_uid, reader=reader, role=role, assigned_at=now, done=False)
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def _read(row: Any) -> Read:
    return Read(row.task_id, row.study_uid, row.reader, row.role, dict(row.answers),
                {k: float(v) for k, v in row.measurements.items()}, aware(row.read_at), tuple(row.label_uids),
                row.source)


def reads(conn: Connection, task_id: int, study_uids: Sequence[str] | None = None) -> list[Read]:
    query = sa.select(t.read).where(t.read.c.task_id == task_id).order_by(t.read.c.id)
    if study_uids is not None:
        query = query.where(t.read.c.study_uid.in_(list(study_uids)))
    return [_read(row) for row in conn.execute(query)]


def add_read(conn: Connection, assignment: Assignment, read: Read) -> None:
    conn.execute(t.read.insert().values(
        assignment_id=assignment.id, task_id=read.task_id, study_uid=read.study_uid, reader=read.reader,
        role=read.role, answers=dict(read.answers), measurements=dict(read.measurements),
        label_uids=list(read.label_uids), source=read.source, read_at=read.read_at))
    conn.execute(t.assignment.update().where(t.assignment.c.id == assignment.id).values(done=True))


def add_label(conn: Connection, task_id: int, study_uid: str, reader: str, sop_instance_uid: str,
              segments: Sequence[str], now: datetime) -> bool:
    """False when the object is already filed under the task (a resend)."""
    exists = conn.execute(sa.select(t.label.c.id).where(t.label.c.task_id == task_id,
                                                        t.label.c.sop_instance_uid == sop_instance_uid)).first()
    if exists is not None:
        return False
    conn.execute(t.label.insert().values(task_id=task_id, study_uid=study_uid, reader=reader,
                                         sop_instance_uid=sop_instance_uid, segments=list(segments), filed_at=now))
    return True


def filed_labels(conn: Connection, task_id: int, study_uid: str, reader: str) -> list[str]:
    return list(conn.execute(sa.select(t.label.c.sop_instance_uid).where(
        t.label.c.task_id == task_id, t.label.c.study_uid == study_uid, t.label.c.reader == reader,
    ).order_by(t.label.c.id)).scalars())


def tasks_of_studies(conn: Connection, project: str, study_uids: Sequence[str]) -> dict[int, list[str]]:
    """{task id: the given studies in its cohort} for the project's tasks."""
    rows = conn.execute(sa.select(t.study.c.task_id, t.study.c.study_uid)
                        .join(t.task, t.task.c.id == t.study.c.task_id)
                        .where(t.task.c.project == project, t.study.c.study_uid.in_(list(study_uids)))
                        .order_by(t.study.c.task_id, t.study.c.position))
    found: dict[int, list[str]] = {}
    for task_id, study_uid in rows:
        found.setdefault(int(task_id), []).append(str(study_uid))
    return found


def open_adjudications(conn: Connection, task_id: int, study_uids: Sequence[str]) -> set[str]:
    return set(conn.execute(sa.select(t.assignment.c.study_uid).where(
        t.assignment.c.task_id == task_id, t.assignment.c.role == "adjudicator", t.assignment.c.done.is_(False),
        t.assignment.c.study_uid.in_(list(study_uids)))).scalars())
