"""catalogue entries with full-text search

Revision ID: 0001
Revises:
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    columns: list[sa.Column[object]] = [
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]
    if postgres:
        columns.append(sa.Column(
            "search_vector", postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', search_text)", persisted=True), nullable=False,
        ))
    op.create_table("net_catalogue_entry", *columns, sa.PrimaryKeyConstraint("key", name="pk_net_catalogue_entry"))
    op.create_index("ix_net_catalogue_entry_kind", "net_catalogue_entry", ["kind"])
    if postgres:
        op.create_index("ix_net_catalogue_entry_search_vector", "net_catalogue_entry", ["search_vector"],
                        postgresql_using="gin")
        return
    op.execute("CREATE VIRTUAL TABLE net_catalogue_fts USING fts5(key UNINDEXED, search_text, "
               "tokenize='porter unicode61')")
    op.execute("CREATE TRIGGER net_catalogue_fts_insert AFTER INSERT ON net_catalogue_entry BEGIN "
               "INSERT INTO net_catalogue_fts (key, search_text) VALUES (new.key, new.search_text); END")
    op.execute("CREATE TRIGGER net_catalogue_fts_delete AFTER DELETE ON net_catalogue_entry BEGIN "
               "DELETE FROM net_catalogue_fts WHERE key = old.key; END")
    op.execute("CREATE TRIGGER net_catalogue_fts_update AFTER UPDATE ON net_catalogue_entry BEGIN "
               "DELETE FROM net_catalogue_fts WHERE key = old.key; "
               "INSERT INTO net_catalogue_fts (key, search_text) VALUES (new.key, new.search_text); END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS net_catalogue_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS net_catalogue_fts")
    op.drop_table("net_catalogue_entry")
