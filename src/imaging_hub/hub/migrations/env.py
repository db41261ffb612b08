"""Alembic environment for the hub room's tables: run programmatically by ``hub.migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from imaging_hub.hub.tables import include_name, metadata

VERSION_TABLE = "alembic_version_hub"

connection = context.config.attributes["connection"]
# The index and governance share this database: autogenerate must only ever look at the room's own tables.
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
