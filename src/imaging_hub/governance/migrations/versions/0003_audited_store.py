"""every newly stored instance is tied to its audit entry, so start-up can audit what a crash left unaudited

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
        "gov_audited_store",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sop_instance_uid", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_audited_store")),
    )
    op.create_index(op.f("ix_gov_audited_store_sop_instance_uid"), "gov_audited_store", ["sop_instance_uid"])
    # No cursor row yet: the first start-up after this upgrade starts from the feed's head, since what was
    # stored before it was audited under the old scheme and cannot be told apart from what was not.
    op.create_table(
        "gov_store_audit_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_store_audit_cursor")),
    )


def downgrade() -> None:
    op.drop_table("gov_store_audit_cursor")
    op.drop_index(op.f("ix_gov_audited_store_sop_instance_uid"), table_name="gov_audited_store")
    op.drop_table("gov_audited_store")
