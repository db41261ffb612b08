"""Reader studies: an AI tool's run read by readers without and with its output, in two labelling tasks.

Revision ID: assurance_0003
Revises: assurance_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assurance_0003"
down_revision = "assurance_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assurance_reader_study",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("assurance_run.id"), nullable=False),
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("unaided_task", sa.Integer, nullable=False),
        sa.Column("aided_task", sa.Integer, nullable=False),
        sa.Column("readers", sa.JSON, nullable=False),
        sa.Column("reference", sa.JSON, nullable=False),
        sa.Column("reference_source", sa.String(256), nullable=False),
        sa.Column("washout_days", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.UniqueConstraint("project", "name", name="uq_assurance_reader_study_project"),
    )
    op.create_index("ix_assurance_reader_study_tool_id", "assurance_reader_study", ["tool_id"])


def downgrade() -> None:
    op.drop_index("ix_assurance_reader_study_tool_id", "assurance_reader_study")
    op.drop_table("assurance_reader_study")
