"""network operations: session validity dates, a booking's participant pseudonym

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 10:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("net_op_session") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
    with op.batch_alter_table("net_op_booking") as batch:
        batch.add_column(sa.Column("participant", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("net_op_booking") as batch:
        batch.drop_column("participant")
    with op.batch_alter_table("net_op_session") as batch:
        batch.drop_column("valid_until")
        batch.drop_column("valid_from")
