"""The catalogue's database: the hub's database URL (set up as every package's is), its own Alembic history."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from imaging_hub.database import Migrations, create_engine

VERSION_TABLE = "alembic_version_network_catalogue"
MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), VERSION_TABLE)


def make_engine(url: str) -> Engine:
    """SQLite (WAL, busy timeout, the hub's settings) or PostgreSQL through psycopg 3."""
    return create_engine(url)


def migrate(engine: Engine) -> None:
    """Bring the catalogue tables to the newest revision (idempotent; other histories share the database)."""
    MIGRATIONS.upgrade(engine)
