"""Alembic environment for the network catalogue: run programmatically by ``catalogue.database.migrate``."""

from __future__ import annotations

from alembic import context

from imaging_hub.network.catalogue.database import VERSION_TABLE
from imaging_hub.network.catalogue.tables import metadata


def _include(_item: object, name: str | None, type_: str, *_: object) -> bool:
    # Other packages share this database: only the catalogue's tables are ours.
    return type_ != "table" or (name or "").startswith("net_catalogue")


context.configure(connection=context.config.attributes["connection"], target_metadata=metadata,
                  version_table=VERSION_TABLE, include_object=_include)
with context.begin_transaction():
    context.run_migrations()
