"""audit entries record the HMAC key they were keyed with

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
    # Nullable: entries written before the chain was keyed keep their plain SHA-256 and no key id.
    with op.batch_alter_table("gov_audit", recreate="never") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gov_audit", recreate="never") as batch:
        batch.drop_column("key_id")
