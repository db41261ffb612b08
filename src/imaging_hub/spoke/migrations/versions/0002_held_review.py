"""Held instances waiting for a person's review of their pixels, and the review's own audit.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_review",
        sa.Column("project_id", sa.Text, primary_key=True),
        sa.Column("source_sop_uid", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("proposed", sa.Text, nullable=False, server_default="[]"),
        sa.Column("added", sa.Text, nullable=False, server_default="[]"),
        sa.Column("held_at", sa.REAL, nullable=False),
    )
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.REAL, nullable=False),
        sa.Column("reviewer", sa.Text, nullable=False),
        sa.Column("interface", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("project_id", sa.Text, nullable=False, server_default=""),
        sa.Column("deid_sop_uid", sa.Text, nullable=False, server_default=""),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("review_audit")
    op.drop_table("held_review")
