"""When the spoke first saw each participant on its project's enrolment list (the lists carry no consent date):
the month they count as recruited in. Participants already listed are dated by this migration, the first
time this version of the spoke sees them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("enrolled_at", sa.REAL))
    dated = sa.text("UPDATE participant SET enrolled_at = :now WHERE enrolled_at IS NULL")
    op.execute(dated.bindparams(now=time.time()))


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("enrolled_at")
