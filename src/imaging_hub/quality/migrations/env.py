"""Alembic environment for the quality room's tables: run programmatically by ``quality.migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from imaging_hub.quality.tables import include_name, metadata

VERSION_TABLE = "alembic_version_quality"

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
