"""C-MOVE destinations per DICOM peer and per project

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty: no peer may move anywhere until an administrator names its destinations (and the projects'):
    # the settings' peer list is only the address book of where each destination listens.
    op.create_table(
        "gov_peer_destinations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["gov_dimse_peers.id"],
            ondelete="CASCADE",
            name=op.f("fk_gov_peer_destinations_peer_id_gov_dimse_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_peer_destinations")),
        sa.UniqueConstraint("peer_id", "destination", name="uq_gov_peer_destination"),
    )
    op.create_table(
        "gov_project_destinations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["gov_projects.id"],
            ondelete="CASCADE",
            name=op.f("fk_gov_project_destinations_project_id_gov_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_project_destinations")),
        sa.UniqueConstraint("project_id", "destination", name="uq_gov_project_destination"),
    )


def downgrade() -> None:
    op.drop_table("gov_project_destinations")
    op.drop_table("gov_peer_destinations")
