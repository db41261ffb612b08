"""Engines for SQLite and PostgreSQL with one set of settings, so a file gets the same ones whoever opens it.

SQLite allows one writer at a time. A deferred transaction that later tries to write can fail at once with
"database is locked" (the busy timeout does not apply to lock upgrades), so writers begin IMMEDIATE on an
engine of their own while readers stay deferred and, under WAL, never block each other or a writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 60_000


def normalise_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, immediate: bool = False, autocommit: bool = False, pooled: bool = True) -> Engine:
    """An engine on ``url``. On SQLite its transactions begin IMMEDIATE when ``immediate`` (for writers: the
    busy timeout then covers the wait for the write lock), else DEFERRED. ``autocommit``: every connection
    is AUTOCOMMIT (see ``autocommit``), and the engine has no event hooks, which SQLAlchemy otherwise
    consults on every statement. ``pooled=False`` opens a connection per ``connect()`` and closes it after
    (processes that each hold a few long-lived connections)."""
    url = normalise_url(url)
    isolation = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8, **isolation)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **isolation,
        **({} if pooled else {"poolclass": sa.NullPool}),
    )
    event.listen(engine, "connect", _sqlite_settings)
    event.listen(engine, "checkout", _driver_issues_no_begin)  # also after an ``autocommit`` connection's reset
    if autocommit:
        return engine

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _driver_issues_no_begin(dbapi_connection: Any, *_: Any) -> None:
    dbapi_connection.isolation_level = None  # the engine's "begin" listener does, or the caller (autocommit)


def _sqlite_settings(dbapi_connection: Any, _record: Any) -> None:
    _driver_issues_no_begin(dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; readers and the writer do not block each other
    # FULL: a commit is on disk, across power loss too, before it returns. The store acknowledges an instance,
    # and the spoke removes an intake or outbox file, only after the commit that records it.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA case_sensitive_like=ON")  # as on PostgreSQL (DICOM wildcard matching needs it)
    cursor.close()


class Database:
    """A read engine and a write engine on one database (the same engine except on SQLite)."""

    def __init__(self, url: str) -> None:
        url = normalise_url(url)
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.reader = create_engine(url)
        self.writer = create_engine(url, immediate=True) if self.is_sqlite else self.reader

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.reader.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction, committed on leaving without error."""
        with self.writer.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()


def autocommit(conn: Connection) -> Connection:
    """Make each statement outside ``write_transaction`` commit on its own: a connection held for a long
    time (a loop polling for work) then never keeps a snapshot, or a lock, between its statements."""
    return conn.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """On an ``autocommit`` connection: BEGIN IMMEDIATE (SQLite; BEGIN elsewhere) ... COMMIT, rolled back on
    any error. The write lock is taken at the start, so the transaction never fails to upgrade a read."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if is_sqlite(conn) else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")
