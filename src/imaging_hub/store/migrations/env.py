"""Alembic environment for the archive index: run programmatically by ``migrate.upgrade`` on an open connection."""

from __future__ import annotations

from alembic import context

from imaging_hub.store.migrate import VERSION_TABLE
from imaging_hub.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
