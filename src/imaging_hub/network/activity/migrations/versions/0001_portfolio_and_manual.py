"""portfolio studies and manual activity entries

Revision ID: 0001
Revises:
Create Date: 2026-12-06 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "net_activity_study",
        sa.Column("iras_id", sa.String(7), nullable=False),
        sa.Column("cpms_id", sa.String(7), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("sponsor", sa.String(200), nullable=False),
        sa.Column("chief_investigator", sa.String(200), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("sites", sa.Text(), nullable=False),
        sa.Column("timepoints", sa.Text(), nullable=False),
        sa.Column("reads_per_participant", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("iras_id", name="pk_net_activity_study"),
        sa.UniqueConstraint("project", name="uq_net_activity_study_project"),
    )
    op.create_table(
        "net_activity_manual",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("iras_id", sa.String(7), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("timepoint", sa.String(64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("entered_by", sa.String(320), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_net_activity_manual"),
    )
    op.create_index("ix_net_activity_manual_iras_id", "net_activity_manual", ["iras_id"])


def downgrade() -> None:
    op.drop_table("net_activity_manual")
    op.drop_table("net_activity_study")
