"""An incident flagged from a run's page keeps that run, so the run's project lead may review it.

Revision ID: assurance_0002
Revises: assurance_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assurance_0002"
down_revision = "assurance_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite (the single-file rig) cannot add a foreign key in place.
    with op.batch_alter_table("assurance_incident") as batch:
        batch.add_column(sa.Column("run_id", sa.Integer))
        batch.create_foreign_key("fk_assurance_incident_run_id", "assurance_run", ["run_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("assurance_incident") as batch:
        batch.drop_constraint("fk_assurance_incident_run_id", type_="foreignkey")
        batch.drop_column("run_id")
