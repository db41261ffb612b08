"""The governance tables' database: same URL as the archive, own Alembic history.

Engines come from ``imaging_hub.database`` (the same settings as the archive's on a shared SQLite file).
Timestamps are stored as naive UTC and handed back timezone-aware so comparisons with the clock are always
like for like.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from imaging_hub.database import Database, Migrations

VERSION_TABLE = "alembic_version_governance"
MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), VERSION_TABLE)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("governance timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite raw text in rare reflective paths
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


def migrate(database: Database) -> None:
    """Bring the governance tables to the newest revision (idempotent, safe beside the archive's history)."""
    MIGRATIONS.upgrade(database.writer)
