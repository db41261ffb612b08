"""The assurance room's tables (SQLAlchemy Core) in the hub's database, under their own Alembic history.

A registered AI tool has runs (validation, inference, monitoring); a run's results are stored per case
(an instance or a study, by de-identified UID or the imported case id), its alarms and incidents hang off the
tool. Nothing here identifies a patient: cases are named by the identifiers the archive already de-identified.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

PREFIX = "assurance_"  # every table of the room; the rest of the database belongs to others

metadata = sa.MetaData(naming_convention={"ix": "ix_%(table_name)s_%(column_0_name)s",
                                          "uq": "uq_%(table_name)s_%(column_0_name)s"})

tool = sa.Table(
    "assurance_tool",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("vendor", sa.String(128), nullable=False),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("intended_use", sa.Text, nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),  # the locked operating threshold
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("registered_by", sa.String(254), nullable=False),
    sa.UniqueConstraint("name", "version"),
)

run = sa.Table(
    "assurance_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # inference | validation | monitoring
    sa.Column("source", sa.String(16), nullable=False),  # onnx | csv | dicom
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("snapshot", sa.String(80), nullable=False),  # "PROJ/v3": the governed cohort
    sa.Column("agreement", sa.String(80), nullable=False),  # the data-sharing agreement in force at the run
    sa.Column("summary", sa.JSON, nullable=False),
    sa.Column("report_folder", sa.String(512)),  # validation.json, report.html/pdf or monitor.json/html
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_by", sa.String(254), nullable=False),
)

result = sa.Table(
    "assurance_result",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("assurance_run.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("level", sa.String(8), primary_key=True),  # instance | study | case
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("study_uid", sa.String(64), nullable=False),
    sa.Column("patient_id", sa.String(64), nullable=False),  # the archive's pseudonym
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("label", sa.Integer),  # the reference standard, once known
)

alarm = sa.Table(
    "assurance_alarm",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("assurance_run.id"), nullable=False),
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("row_index", sa.Integer, nullable=False),
    sa.Column("date", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("closed_by", sa.String(254)),
    sa.Column("closing_note", sa.Text),
)

incident = sa.Table(
    "assurance_incident",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # wrong | unsafe
    sa.Column("harm", sa.String(16), nullable=False),  # none | minor | serious | death (MHRA's categories)
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reported_by", sa.String(254), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open | reviewing | closed
    sa.Column("review", sa.Text),
    sa.Column("reviewed_by", sa.String(254)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("assurance_run.id")),  # the run it was flagged on, if any
)

reader_study = sa.Table(
    "assurance_reader_study",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("assurance_run.id"), nullable=False),  # the AI's scores shown
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("unaided_task", sa.Integer, nullable=False),  # labelling task ids: the rooms never meet here
    sa.Column("aided_task", sa.Integer, nullable=False),
    sa.Column("readers", sa.JSON, nullable=False),  # account names, each of whom may see their own feedback
    sa.Column("reference", sa.JSON, nullable=False),  # study UID -> 0/1, fixed when the study was made
    sa.Column("reference_source", sa.String(256), nullable=False),
    sa.Column("washout_days", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.UniqueConstraint("project", "name"),
)

sa.Index("ix_assurance_run_tool_id", run.c.tool_id)
sa.Index("ix_assurance_reader_study_tool_id", reader_study.c.tool_id)
sa.Index("ix_assurance_alarm_tool_id", alarm.c.tool_id, alarm.c.closed_at)
sa.Index("ix_assurance_incident_tool_id", incident.c.tool_id, incident.c.status)


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """For Alembic: compare only the room's tables (the index's and governance's share the database)."""
    return type_ != "table" or (name or "").startswith(PREFIX)
