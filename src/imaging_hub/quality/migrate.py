"""The quality room's own Alembic chain and version table in the hub's database (``Room.open`` brings it to head)."""

from __future__ import annotations

from pathlib import Path

from imaging_hub.database import Migrations

MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), "alembic_version_quality")
