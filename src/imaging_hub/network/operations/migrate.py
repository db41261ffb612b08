"""Bring the network room's tables up to date (its own Alembic chain and version table)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from imaging_hub.database import Migrations

VERSION_TABLE = "alembic_version_network"
MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), VERSION_TABLE)


def upgrade(engine: Engine) -> None:
    MIGRATIONS.upgrade(engine)
