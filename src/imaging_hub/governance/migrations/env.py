"""Alembic environment for the governance tables (version table ``alembic_version_governance``)."""

from __future__ import annotations

from alembic import context

from imaging_hub.database import create_engine
from imaging_hub.governance.database import VERSION_TABLE
from imaging_hub.governance.tables import metadata

config = context.config


def _include(_item: object, name: str | None, type_: str, *_: object) -> bool:
    # The archive and other engines share this database: only governance tables are ours.
    return type_ != "table" or (name or "").startswith("gov_")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("no connection or sqlalchemy.url given to the governance migrations")
        with create_engine(url, immediate=True).begin() as own:
            _run(own)
    else:
        _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=_include,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
