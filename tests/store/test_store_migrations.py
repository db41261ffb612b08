"""The Alembic migrations build exactly the schema the code uses, under their own version table."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from imaging_hub.store import Archive
from imaging_hub.store.schema import metadata


def test_migrated_schema_matches_the_code(archive: Archive) -> None:
    with archive.database.writer.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "alembic_version_store"})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == "0003"
        assert "alembic_version" not in sa.inspect(conn).get_table_names()  # other areas may own that one


def test_reopening_is_idempotent(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "data"
    with Archive.open(data_dir, database_url) as first:
        assert first.count_instances() == 0
    with Archive.open(data_dir, database_url) as second:
        assert second.count_instances() == 0


def test_default_database_is_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    with Archive.open(tmp_path / "data") as archive:
        assert archive.database.is_sqlite
        assert (tmp_path / "data" / "index.sqlite3").exists()
        with archive.database.reading() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
