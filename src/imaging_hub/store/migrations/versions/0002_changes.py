"""The change feed: one row per instance indexed or removed, in commit order.

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
        "changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False),
        sa.Column("series_instance_uid", sa.String(64), nullable=False),
        sa.Column("study_instance_uid", sa.String(64), nullable=False),
        sa.Column("sop_class_uid", sa.String(64), nullable=False),
        sa.Column("project", sa.String, nullable=False),
        sa.Column("site", sa.String, nullable=False),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_interface", sa.String),
        sa.Column("origin_principal", sa.String),
        sa.Column("origin_address", sa.String),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_changes_study_instance_uid", "changes", ["study_instance_uid"])


def downgrade() -> None:
    op.drop_index("ix_changes_study_instance_uid", "changes")
    op.drop_table("changes")
