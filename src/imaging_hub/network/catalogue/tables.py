"""The catalogue's tables (prefix ``net_catalogue``), kept by their own Alembic history.

``net_catalogue_entry`` holds each entry as a JSON document beside the columns searched and listed. Full-text
search is the database's own: on SQLite an FTS5 table kept in step by triggers; on PostgreSQL a stored,
generated ``tsvector`` column with a GIN index. Both are created by the migration, for the dialect in use.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s", "ix": "ix_%(table_name)s_%(column_0_name)s"})

entries = Table(
    "net_catalogue_entry",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("search_text", Text, nullable=False),
    Column("document", Text, nullable=False),  # the entry as JSON
    Column("updated_at", DateTime, nullable=False),  # naive UTC
)

# SQLite only: the FTS5 index over search_text (rowid-less; ``key`` is carried, not indexed).
fts = Table("net_catalogue_fts", MetaData(), Column("key", String), Column("search_text", Text))

FTS_NAME = "net_catalogue_fts"
