"""Alembic environment for the network's people: run programmatically by ``people.database.migrate``."""

from __future__ import annotations

from alembic import context

from imaging_hub.network.people.database import VERSION_TABLE
from imaging_hub.network.people.tables import metadata


def _include(_item: object, name: str | None, type_: str, *_: object) -> bool:
    # Other packages share this database: only the people tables are ours.
    return type_ != "table" or (name or "").startswith("net_people")


context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_object=_include,
)
with context.begin_transaction():
    context.run_migrations()
