"""Bring the index schema up to date with the packaged Alembic migrations (run by ``Archive.open``)."""

from __future__ import annotations

from pathlib import Path

from imaging_hub.database import Migrations
from imaging_hub.store.database import Database

VERSION_TABLE = "alembic_version_store"
MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), VERSION_TABLE)


def upgrade(database: Database) -> None:
    MIGRATIONS.upgrade(database.writer)
