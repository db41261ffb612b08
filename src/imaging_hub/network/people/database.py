"""The people tables' own Alembic history and version table, in the hub's database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from imaging_hub.database import Migrations

VERSION_TABLE = "alembic_version_network_people"
MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), VERSION_TABLE)


def migrate(engine: Engine) -> None:
    """Bring the people tables to the newest revision (idempotent; other histories share the database)."""
    MIGRATIONS.upgrade(engine)
