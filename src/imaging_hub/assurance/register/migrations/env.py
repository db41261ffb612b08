"""Alembic environment for the assurance room's tables: run programmatically by ``register.migrate.upgrade``."""

from __future__ import annotations

from alembic import context

from imaging_hub.assurance.register.tables import include_name, metadata

VERSION_TABLE = "alembic_version_assurance"

connection = context.config.attributes["connection"]
# The index, governance and other rooms share this database: autogenerate looks only at this room's tables.
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
