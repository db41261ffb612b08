"""Each site's latest recruitment counts from its spoke's heartbeat (per project and month, counts only), and
when the spoke last reported them (NULL: never, so the activity count falls back to first arrivals).

Revision ID: hub_0003
Revises: hub_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hub_0003"
down_revision = "hub_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hub_spoke_contact", sa.Column("enrolment_at", sa.DateTime(timezone=True)))
    op.create_table(
        "hub_spoke_enrolment",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("participants", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_spoke_enrolment")
    with op.batch_alter_table("hub_spoke_contact") as batch:
        batch.drop_column("enrolment_at")
