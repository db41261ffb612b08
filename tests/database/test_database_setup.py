"""One database setup: whoever opens the hub's SQLite file (the archive, governance) gets the same settings,
writers take the write lock when they begin, and each package's migrations keep their own version table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from imaging_hub.database import BUSY_TIMEOUT_MS, Database, autocommit, write_transaction
from imaging_hub.governance import Governance
from imaging_hub.store import Archive

SETTINGS = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "case_sensitive_like")


def _settings(engine: sa.Engine) -> dict[str, object]:
    with engine.connect() as conn:
        found: dict[str, object] = {}
        for name in SETTINGS[:4]:
            found[name] = conn.exec_driver_sql(f"PRAGMA {name}").scalar()
        # case_sensitive_like cannot be read back: LIKE tells
        found["case_sensitive_like"] = not conn.exec_driver_sql("SELECT 'A' LIKE 'a'").scalar()
        conn.rollback()
    return found


def test_the_archive_and_governance_open_the_shared_file_with_the_same_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'index.sqlite3'}"
    archive = Archive.open(tmp_path / "data", url)
    governance = Governance.open(url)
    try:
        engines = [archive.database.reader, archive.database.writer, governance.database.reader, governance.engine]
        seen = [_settings(engine) for engine in engines]
    finally:
        governance.close()
        archive.close()
    expected = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": BUSY_TIMEOUT_MS,
                "case_sensitive_like": True}
    assert seen == [expected] * len(engines)
    with sa.create_engine(url).connect() as conn:  # each package's chain keeps its own version table
        tables = set(sa.inspect(conn).get_table_names())
    assert {"alembic_version_store", "alembic_version_governance"} <= tables


def _another_writer_can_begin(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_writers_hold_the_write_lock_from_their_first_statement_and_readers_never(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        with database.writing() as conn:
            conn.exec_driver_sql("SELECT 1")  # a read first: the lock is already held, no upgrade can fail
            assert not _another_writer_can_begin(path)
        with database.reading() as conn:
            conn.exec_driver_sql("SELECT 1")
            assert _another_writer_can_begin(path)
        assert _another_writer_can_begin(path)
    finally:
        database.dispose()


def test_an_autocommit_connection_writes_in_explicit_transactions_and_rolls_back_on_error(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        with database.writer.connect() as raw:
            conn = autocommit(raw)
            conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
            assert _another_writer_can_begin(path)  # nothing held between statements
            with write_transaction(conn):
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
                assert not _another_writer_can_begin(path)
            with pytest.raises(RuntimeError), write_transaction(conn):
                conn.exec_driver_sql("INSERT INTO t VALUES (2)")
                raise RuntimeError("interrupted")
            assert conn.exec_driver_sql("SELECT n FROM t").scalars().all() == [1]
    finally:
        database.dispose()
