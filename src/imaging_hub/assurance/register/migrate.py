"""Bring the assurance room's tables up to date in the hub's database (its own Alembic chain and version table)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from imaging_hub.database import Migrations

MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), "alembic_version_assurance")


def upgrade(engine: Engine) -> None:
    MIGRATIONS.upgrade(engine)
