"""Each site's latest spoke heartbeat: last contact, backlog, whether it accepts images.

Revision ID: hub_0002
Revises: hub_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hub_0002"
down_revision = "hub_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_spoke_contact",
        sa.Column("site_id", sa.String(64), primary_key=True),
        sa.Column("contact_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backlog", sa.JSON, nullable=False),
        sa.Column("accepting", sa.Boolean, nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("reported_by", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_spoke_contact")
