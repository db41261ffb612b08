"""Rows in, register values out. No decisions are made here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub.assurance.errors import NotFound
from imaging_hub.assurance.register import tables as t
from imaging_hub.assurance.register.incidents import Incident
from imaging_hub.assurance.register.model import Alarm, CaseResult, Run, Tool
from imaging_hub.assurance.register.reader_study import ReaderStudyRecord


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they were written as UTC."""
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=UTC)


def _tool(row: Any) -> Tool:
    return Tool(row.id, row.name, row.vendor, row.version, row.intended_use, float(row.threshold), row.model_sha256,
                aware(row.registered_at) or row.registered_at, row.registered_by)


def load_tool(conn: Connection, tool_id: int) -> Tool:
    row = conn.execute(sa.select(t.tool).where(t.tool.c.id == tool_id)).first()
    if row is None:
        raise NotFound(f"no AI tool {tool_id} in the register")
    return _tool(row)


def find_tool(conn: Connection, name: str, version: str) -> Tool:
    row = conn.execute(sa.select(t.tool).where(t.tool.c.name == name, t.tool.c.version == version)).first()
    if row is None:
        raise NotFound("no AI tool of that name and version in the register")
    return _tool(row)


def all_tools(conn: Connection) -> list[Tool]:
    return [_tool(row) for row in conn.execute(sa.select(t.tool).order_by(t.tool.c.name, t.tool.c.version))]


def _run(row: Any) -> Run:
    return Run(row.id, row.tool_id, row.kind, row.source, row.project, row.snapshot, row.agreement, dict(row.summary),
               row.report_folder, aware(row.started_at) or row.started_at, row.started_by)


def load_run(conn: Connection, run_id: int) -> Run:
    row = conn.execute(sa.select(t.run).where(t.run.c.id == run_id)).first()
    if row is None:
        raise NotFound(f"no assurance run {run_id}")
    return _run(row)


def tool_runs(conn: Connection, tool_id: int, kind: str | None = None) -> list[Run]:
    query = sa.select(t.run).where(t.run.c.tool_id == tool_id).order_by(t.run.c.id.desc())
    if kind is not None:
        query = query.where(t.run.c.kind == kind)
    return [_run(row) for row in conn.execute(query)]


def run_results(conn: Connection, run_id: int, level: str | None = None) -> list[CaseResult]:
    query = sa.select(t.result).where(t.result.c.run_id == run_id).order_by(t.result.c.level, t.result.c.case_id)
    if level is not None:
        query = query.where(t.result.c.level == level)
    return [CaseResult(r.level, r.case_id, r.study_uid, r.patient_id, r.site, float(r.score), r.label)
            for r in conn.execute(query)]


def _alarm(row: Any) -> Alarm:
    return Alarm(row.id, row.tool_id, row.run_id, row.method, row.row_index, row.date, row.detail,
                 aware(row.raised_at) or row.raised_at, aware(row.closed_at), row.closed_by, row.closing_note)


def tool_alarms(conn: Connection, tool_id: int, open_only: bool) -> list[Alarm]:
    query = sa.select(t.alarm).where(t.alarm.c.tool_id == tool_id).order_by(t.alarm.c.id)
    if open_only:
        query = query.where(t.alarm.c.closed_at.is_(None))
    return [_alarm(row) for row in conn.execute(query)]


def load_alarm(conn: Connection, alarm_id: int) -> Alarm:
    row = conn.execute(sa.select(t.alarm).where(t.alarm.c.id == alarm_id)).first()
    if row is None:
        raise NotFound(f"no alarm {alarm_id}")
    return _alarm(row)


def _incident(row: Any) -> Incident:
    return Incident(row.id, row.tool_id, row.case_id, row.kind, row.harm, row.description,
                    aware(row.reported_at) or row.reported_at, row.reported_by, row.status, row.review,
                    row.reviewed_by, aware(row.closed_at), row.run_id)


def load_incident(conn: Connection, incident_id: int) -> Incident:
    row = conn.execute(sa.select(t.incident).where(t.incident.c.id == incident_id)).first()
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return _incident(row)


def tool_incidents(conn: Connection, tool_id: int, status: str | None) -> list[Incident]:
    query = sa.select(t.incident).where(t.incident.c.tool_id == tool_id).order_by(t.incident.c.id)
    if status is not None:
        query = query.where(t.incident.c.status == status)
    return [_incident(row) for row in conn.execute(query)]


def _reader_study(row: Any) -> ReaderStudyRecord:
    return ReaderStudyRecord(row.id, row.tool_id, row.run_id, row.project, row.name, row.unaided_task,
                             row.aided_task, tuple(row.readers), {k: int(v) for k, v in dict(row.reference).items()},
                             row.reference_source, row.washout_days, aware(row.created_at) or row.created_at,
                             row.created_by)


def load_reader_study(conn: Connection, study_id: int) -> ReaderStudyRecord:
    row = conn.execute(sa.select(t.reader_study).where(t.reader_study.c.id == study_id)).first()
    if row is None:
        raise NotFound(f"no reader study {study_id}")
    return _reader_study(row)


def reader_studies(conn: Connection, tool_id: int | None = None, task_id: int | None = None) -> list[ReaderStudyRecord]:
    query = sa.select(t.reader_study).order_by(t.reader_study.c.id.desc())
    if tool_id is not None:
        query = query.where(t.reader_study.c.tool_id == tool_id)
    if task_id is not None:
        query = query.where(sa.or_(t.reader_study.c.unaided_task == task_id, t.reader_study.c.aided_task == task_id))
    return [_reader_study(row) for row in conn.execute(query)]
