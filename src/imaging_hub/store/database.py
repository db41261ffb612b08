"""Connecting to the index: URL normalisation, SQLite pragmas, and one writer discipline for both backends.

SQLite allows one writer at a time. A deferred transaction that later tries to write can fail at once with
"database is locked" (the busy timeout does not apply to lock upgrades), so writes begin IMMEDIATE on a
separate engine while reads stay deferred and never block each other under WAL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 60_000


def normalise_url(database_url: str | None, data_dir: Path) -> str:
    """None means SQLite inside the data folder; plain postgresql:// URLs use psycopg 3."""
    if database_url is None:
        return f"sqlite:///{data_dir / 'index.sqlite3'}"
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix):]
    return database_url


class Database:
    """A read engine and a write engine on one index (the same engine except on SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.reader = _sqlite_engine(url, immediate=False)
            self.writer = _sqlite_engine(url, immediate=True)
        else:
            self.reader = self.writer = sa.create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.reader.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction, committed on leaving without error."""
        with self.writer.begin() as conn:
            yield conn

    def lock_instances(self, conn: Connection, sop_instance_uids: Iterable[str]) -> None:
        """Serialise work on these SOP Instance UIDs across processes until the transaction ends.

        SQLite's IMMEDIATE transaction already holds the database's single write lock; PostgreSQL takes
        transaction-scoped advisory locks, in sorted order so two lockers never deadlock.
        """
        if self.is_sqlite:
            return
        keys = sorted({_lock_key(uid) for uid in sop_instance_uids})
        if keys:
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"),
                {"keys": keys},
            )

    def dispose(self) -> None:
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()


def _lock_key(uid: str) -> int:
    return int.from_bytes(hashlib.sha256(uid.encode()).digest()[:8], "big", signed=True)


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged store survives power loss
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA case_sensitive_like=ON")  # DICOM wildcard matching is case-sensitive
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
