"""Alembic environment for the spoke's state database: run by ``state.connect`` on an open connection."""

from __future__ import annotations

from alembic import context

from imaging_hub.spoke.state import VERSION_TABLE
from imaging_hub.spoke.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                  render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
