"""schedules of events, annual tariffs and AcoRD overrides

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 12:45:00
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
        "net_activity_schedule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("iras_id", sa.String(7), nullable=False),
        sa.Column("arm", sa.String(64), nullable=False),
        sa.Column("visit", sa.String(64), nullable=False),
        sa.Column("activity", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("staff_role", sa.String(200), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("tariff_code", sa.String(64), nullable=False),
        sa.Column("patient_care", sa.Boolean(), nullable=False),
        sa.Column("continues_after_study", sa.Boolean(), nullable=False),
        sa.Column("standard_care", sa.Boolean(), nullable=False),
        sa.Column("part_b_item", sa.String(32), nullable=True),
        sa.Column("replaces_tariff_code", sa.String(64), nullable=True),
        sa.Column("per_visit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_net_activity_schedule"),
        sa.UniqueConstraint("iras_id", "arm", "visit", "activity", name="uq_net_activity_schedule_activity"),
    )
    op.create_index("ix_net_activity_schedule_iras_id", "net_activity_schedule", ["iras_id"])
    op.create_table(
        "net_activity_tariff",
        sa.Column("starts", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.PrimaryKeyConstraint("starts", "code", name="pk_net_activity_tariff"),
    )
    op.create_table(
        "net_activity_override",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("iras_id", sa.String(7), nullable=False),
        sa.Column("arm", sa.String(64), nullable=False),
        sa.Column("visit", sa.String(64), nullable=False),
        sa.Column("activity", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("rule_category", sa.String(32), nullable=False),
        sa.Column("justification", sa.String(2000), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_net_activity_override"),
    )
    op.create_index("ix_net_activity_override_iras_id", "net_activity_override", ["iras_id"])


def downgrade() -> None:
    op.drop_table("net_activity_override")
    op.drop_table("net_activity_tariff")
    op.drop_table("net_activity_schedule")
