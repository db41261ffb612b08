"""Alembic environment for research activity: run programmatically by ``activity.database.migrate``."""

from __future__ import annotations

from alembic import context

from imaging_hub.network.activity.database import VERSION_TABLE
from imaging_hub.network.activity.tables import metadata


def _include(_item: object, name: str | None, type_: str, *_: object) -> bool:
    # Other packages share this database: only the activity tables are ours.
    return type_ != "table" or (name or "").startswith("net_activity")


context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_object=_include,
)
with context.begin_transaction():
    context.run_migrations()
