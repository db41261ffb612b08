"""The labelling room's tables (SQLAlchemy Core) in the hub's database, under their own Alembic history.

A task's readers, studies, assignments and reads hang off ``labelling_task``; a read is one reader's answers
to one study (the adjudicator's read is one too, with role ``adjudicator``). Readers are named by account
(an email), studies by their de-identified Study Instance UID: nothing here identifies a patient.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

PREFIX = "labelling_"  # every table of the room; the rest of the database belongs to others

metadata = sa.MetaData(naming_convention={"ix": "ix_%(table_name)s_%(column_0_name)s",
                                          "uq": "uq_%(table_name)s_%(column_0_name)s"})

task = sa.Table(
    "labelling_task",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("cohort_kind", sa.String(16), nullable=False),  # snapshot | query
    sa.Column("cohort_reference", sa.String(512), nullable=False),  # "PROJ/v3", or the saved query as JSON
    sa.Column("label_schema", sa.JSON, nullable=False),
    sa.Column("reads_per_study", sa.Integer, nullable=False),
    sa.Column("blinded", sa.Boolean, nullable=False),
    sa.Column("adjudicator", sa.String(254)),  # None: disagreements are only flagged
    sa.Column("threshold", sa.Float, nullable=False),  # disagreement above this goes to the adjudicator
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.UniqueConstraint("project", "name"),
)

reader = sa.Table(
    "labelling_reader",
    metadata,
    sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reader", sa.String(254), primary_key=True),
)

study = sa.Table(
    "labelling_study",
    metadata,
    sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("study_uid", sa.String(64), primary_key=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

assignment = sa.Table(
    "labelling_assignment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), nullable=False),
    sa.Column("study_uid", sa.String(64), nullable=False),
    sa.Column("reader", sa.String(254), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # reader | adjudicator
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.UniqueConstraint("task_id", "study_uid", "reader", "role"),
    sa.Index("ix_labelling_assignment_reader", "reader", "done"),
)

read = sa.Table(
    "labelling_read",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assignment_id", sa.Integer, sa.ForeignKey("labelling_assignment.id", ondelete="CASCADE"),
              nullable=False, unique=True),
    sa.Column("task_id", sa.Integer, nullable=False),
    sa.Column("study_uid", sa.String(64), nullable=False),
    sa.Column("reader", sa.String(254), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),  # {question: category}
    sa.Column("measurements", sa.JSON, nullable=False),  # {measurement: value}
    sa.Column("label_uids", sa.JSON, nullable=False),  # SOP Instance UIDs of the SEG/SR this read stored
    sa.Column("source", sa.String(16), nullable=False),  # reader | import
    sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_labelling_read_task_id", "task_id", "study_uid"),
)

# A SEG (or SR) a reader stored into the archive themselves, e.g. drawn in the viewer and saved by STOW, filed
# against their assignment until their read is submitted, which then names it among the read's labels.
label = sa.Table(
    "labelling_label",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), nullable=False),
    sa.Column("study_uid", sa.String(64), nullable=False),
    sa.Column("reader", sa.String(254), nullable=False),
    sa.Column("sop_instance_uid", sa.String(64), nullable=False),
    sa.Column("segments", sa.JSON, nullable=False),  # the segment labels it holds
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("task_id", "sop_instance_uid"),
    sa.Index("ix_labelling_label_task_id", "task_id", "study_uid", "reader"),
)


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """For Alembic: compare only the room's tables (the index's and governance's share the database)."""
    return type_ != "table" or (name or "").startswith(PREFIX)
