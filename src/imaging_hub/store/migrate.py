"""Bring the index schema up to date with the packaged Alembic migrations (run by ``Archive.open``)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from imaging_hub.store.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x1A9E_5702  # PostgreSQL advisory lock: one process migrates at a time


def upgrade(database: Database) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Each process opening the archive may try this at once: SQLite's IMMEDIATE transaction and a
    # PostgreSQL advisory lock make the others wait and then find the schema already current.
    with database.writer.connect() as conn:
        if not database.is_sqlite:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
            conn.commit()
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
        finally:
            if not database.is_sqlite:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
