"""Spoke reconciliation reports, one row per study (they were JSON files in the data folder).

Revision ID: hub_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hub_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_spoke_report",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("participant_id", sa.String, nullable=False),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("acknowledged", sa.Integer, nullable=False),
        sa.Column("hub_instances", sa.Integer, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_hub_spoke_report_site_id", "hub_spoke_report", ["site_id", "project_id", "position"])
    op.create_index("ix_hub_spoke_report_project_id", "hub_spoke_report", ["project_id"])
    op.create_index("ix_hub_spoke_report_study_uid", "hub_spoke_report", ["study_uid"])


def downgrade() -> None:
    op.drop_table("hub_spoke_report")
