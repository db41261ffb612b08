"""Protocol versions per project, one QC result per series, the subscriber's position in the change feed.

Revision ID: quality_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "quality_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_protocol",
        sa.Column("project", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(254), nullable=False),
    )
    op.create_table(
        "quality_result",
        sa.Column("project", sa.String(64), primary_key=True),
        sa.Column("series_uid", sa.String(64), primary_key=True),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("site", sa.String(64)),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("protocol", sa.String(200)),
        sa.Column("conformant", sa.Boolean, nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_quality_result_study", "quality_result", ["project", "study_uid"])
    op.create_table(
        "quality_cursor",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("quality_cursor", "quality_result", "quality_protocol"):
        op.drop_table(table)
