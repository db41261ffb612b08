"""Alembic environment for the hub room's tables: run programmatically by ``hub.migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from imaging_hub.hub.tables import metadata

VERSION_TABLE = "alembic_version_hub"

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
