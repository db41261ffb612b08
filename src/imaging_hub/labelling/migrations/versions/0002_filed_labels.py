"""Labels a reader stored themselves (a SEG saved from the viewer), filed against their assignment.

Revision ID: labelling_0002
Revises: labelling_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "labelling_0002"
down_revision = "labelling_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labelling_label",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("labelling_task.id", ondelete="CASCADE"), nullable=False),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("reader", sa.String(254), nullable=False),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False),
        sa.Column("segments", sa.JSON, nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("task_id", "sop_instance_uid", name="uq_labelling_label_task_id"),
    )
    op.create_index("ix_labelling_label_task_id", "labelling_label", ["task_id", "study_uid", "reader"])


def downgrade() -> None:
    op.drop_table("labelling_label")
