"""profiles, mentoring requests with their proposed matches, and the pairing history

Revision ID: 0001
Revises:
Create Date: 2026-12-06 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "net_people_profile",
        sa.Column("person", sa.String(254), nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("champion", sa.Boolean(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person", name="pk_net_people_profile"),
    )
    op.create_index("ix_net_people_profile_site", "net_people_profile", ["site"])
    op.create_table(
        "net_people_request",
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("person", sa.String(254), nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mentor", sa.String(254), nullable=True),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_net_people_request"),
    )
    op.create_index("ix_net_people_request_person", "net_people_request", ["person"])
    op.create_table(
        "net_people_pairing",
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("mentee", sa.String(254), nullable=False),
        sa.Column("mentor", sa.String(254), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(1000), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_net_people_pairing"),
    )
    op.create_index("ix_net_people_pairing_mentee", "net_people_pairing", ["mentee"])
    op.create_index("ix_net_people_pairing_mentor", "net_people_pairing", ["mentor"])


def downgrade() -> None:
    op.drop_table("net_people_pairing")
    op.drop_table("net_people_request")
    op.drop_table("net_people_profile")
