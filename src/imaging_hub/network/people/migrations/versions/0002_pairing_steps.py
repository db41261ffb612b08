"""who ended a pairing, and each step of a request (asked, proposed, paired, ended) with who and when

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("net_people_pairing") as batch:
        batch.add_column(sa.Column("ended_by", sa.String(254), nullable=True))
    op.create_table(
        "net_people_step",
        sa.Column("step_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.PrimaryKeyConstraint("step_id", name="pk_net_people_step"),
    )
    op.create_index("ix_net_people_step_request_id", "net_people_step", ["request_id"])
    # Requests and pairings from before this revision: their known steps, so the history reads whole.
    op.execute(
        "INSERT INTO net_people_step (request_id, taken_at, step, actor, note) "
        "SELECT request_id, created_at, 'asked', person, '' FROM net_people_request"
    )
    op.execute(
        "INSERT INTO net_people_step (request_id, taken_at, step, actor, note) "
        "SELECT request_id, start, 'paired', '', reason FROM net_people_pairing"
    )
    op.execute(
        "INSERT INTO net_people_step (request_id, taken_at, step, actor, note) "
        "SELECT request_id, \"end\", 'ended', '', outcome FROM net_people_pairing WHERE \"end\" IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("net_people_step")
    with op.batch_alter_table("net_people_pairing") as batch:
        batch.drop_column("ended_by")
