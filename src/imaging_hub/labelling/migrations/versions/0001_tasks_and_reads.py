"""Labelling tasks, their readers and studies, assignments and reads.

Revision ID: labelling_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "labelling_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labelling_task",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("cohort_kind", sa.String(16), nullable=False),
        sa.Column("cohort_reference", sa.String(512), nullable=False),
        sa.Column("label_schema", sa.JSON, nullable=False),
        sa.Column("reads_per_study", sa.Integer, nullable=False),
        sa.Column("blinded", sa.Boolean, nullable=False),
        sa.Column("adjudicator", sa.String(254)),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.UniqueConstraint("project", "name", name="uq_labelling_task_project"),
    )
    op.create_table(
        "labelling_reader",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reader", sa.String(254), primary_key=True),
    )
    op.create_table(
        "labelling_study",
        sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("study_uid", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "labelling_assignment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), nullable=False),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("reader", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.UniqueConstraint("task_id", "study_uid", "reader", "role", name="uq_labelling_assignment_task_id"),
    )
    op.create_index("ix_labelling_assignment_reader", "labelling_assignment", ["reader", "done"])
    op.create_table(
        "labelling_read",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("labelling_assignment.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("task_id", sa.Integer, nullable=False),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("reader", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("measurements", sa.JSON, nullable=False),
        sa.Column("label_uids", sa.JSON, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_labelling_read_task_id", "labelling_read", ["task_id", "study_uid"])


def downgrade() -> None:
    for table in ("labelling_read", "labelling_assignment", "labelling_study", "labelling_reader", "labelling_task"):
        op.drop_table(table)
