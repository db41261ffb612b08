"""Alembic environment for the network room's tables: run programmatically by ``operations.migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from imaging_hub.network.operations.migrate import VERSION_TABLE
from imaging_hub.network.operations.tables import include_name, metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
