"""Instances whose files' folder entries may not be durable yet (the store's folder flush and index commit
run together; ``Archive.open`` checks these).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unsettled",
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False),
        sa.Column("series_instance_uid", sa.String(64), nullable=False),
        sa.Column("study_instance_uid", sa.String(64), nullable=False),
        sa.Column("path", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unsettled")
