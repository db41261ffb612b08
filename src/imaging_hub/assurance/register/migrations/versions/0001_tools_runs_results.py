"""AI tools, their runs and per-case results, monitoring alarms and incidents.

Revision ID: assurance_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assurance_0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assurance_tool",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("vendor", sa.String(128), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("intended_use", sa.Text, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("model_sha256", sa.String(64), nullable=False),
        sa.Column("registered_at", TZ, nullable=False),
        sa.Column("registered_by", sa.String(254), nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_assurance_tool_name"),
    )
    op.create_table(
        "assurance_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("project", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.String(80), nullable=False),
        sa.Column("agreement", sa.String(80), nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("report_folder", sa.String(512)),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("started_by", sa.String(254), nullable=False),
    )
    op.create_index("ix_assurance_run_tool_id", "assurance_run", ["tool_id"])
    op.create_table(
        "assurance_result",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("assurance_run.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("level", sa.String(8), primary_key=True),
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("label", sa.Integer),
    )
    op.create_table(
        "assurance_alarm",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("assurance_run.id"), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("row_index", sa.Integer, nullable=False),
        sa.Column("date", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("raised_at", TZ, nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("closed_by", sa.String(254)),
        sa.Column("closing_note", sa.Text),
    )
    op.create_index("ix_assurance_alarm_tool_id", "assurance_alarm", ["tool_id", "closed_at"])
    op.create_table(
        "assurance_incident",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tool_id", sa.Integer, sa.ForeignKey("assurance_tool.id"), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("harm", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("reported_at", TZ, nullable=False),
        sa.Column("reported_by", sa.String(254), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("review", sa.Text),
        sa.Column("reviewed_by", sa.String(254)),
        sa.Column("closed_at", TZ),
    )
    op.create_index("ix_assurance_incident_tool_id", "assurance_incident", ["tool_id", "status"])


def downgrade() -> None:
    for table in ("assurance_incident", "assurance_alarm", "assurance_result", "assurance_run", "assurance_tool"):
        op.drop_table(table)
