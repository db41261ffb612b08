"""Alembic environment for the network catalogue (version table ``alembic_version_network_catalogue``)."""

from __future__ import annotations

from alembic import context

from imaging_hub.network.catalogue.database import VERSION_TABLE, make_engine
from imaging_hub.network.catalogue.tables import metadata

config = context.config


def _include(_item: object, name: str | None, type_: str, *_: object) -> bool:
    # Other engines share this database: only the catalogue's tables are ours.
    return type_ != "table" or (name or "").startswith("net_catalogue")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("no connection or sqlalchemy.url given to the catalogue migrations")
        with make_engine(url).begin() as own:
            _run(own)
    else:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
