"""The store path's statements as plain SQL text, run on the DB-API cursor of a SQLAlchemy connection.

Storing an instance is a handful of fixed statements. Through SQLAlchemy Core each execution still builds a
cache key, looks up the compiled form and processes parameters in Python: about half of the hub's CPU per
instance (bench/RESULTS.md). Here each statement is text written once per dialect, so an execution is one
call into sqlite3 or psycopg. The connection stays SQLAlchemy's (its pool checks it out, resets it and drops
a broken one); the transaction's BEGIN (IMMEDIATE on SQLite) and COMMIT are the driver's too, which skips
SQLAlchemy's transaction bookkeeping and the engine's begin event (about 7% of the hub's CPU per instance,
bench/RESULTS.md). Driver errors are re-raised as SQLAlchemy's, so retries treat them as before.

On PostgreSQL, ``pipelined`` sends statements without waiting for each answer: a transaction's statements
travel in a few round trips (one per result the code needs) instead of one each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError

_NAMED = re.compile(r":([a-z_][a-z0-9_]*)")


class Sql:
    """One statement's text with ``:name`` parameters, and its psycopg form (``%(name)s``)."""

    __slots__ = ("postgresql", "sqlite")

    def __init__(self, text: str) -> None:
        if "%" in text or "::" in text:
            raise ValueError("statement text may not contain % or ::")
        self.sqlite = text
        self.postgresql = _NAMED.sub(r"%(\1)s", text)


class Driver:
    """A connection's DB-API cursors; statements run in the connection's current transaction.

    Two cursors: one for statements whose results are not read, one for those whose rows are, each read
    before the next is sent (in pipeline mode a shared cursor's results would be those of whichever statement
    it ran last). Kept with the connection, so psycopg's per-cursor caches of parameter adapters last too."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgresql = conn.dialect.name == "postgresql"
        self._dbapi_error: type[Exception] = conn.dialect.loaded_dbapi.Error
        raw = conn.connection.driver_connection
        if raw is None:
            raise RuntimeError("the connection has no open driver connection")
        self.raw: Any = raw
        self.cursor = self.raw.cursor()
        self._reader = self.raw.cursor()
        self._stamped: tuple[dt.datetime | None, str] = (None, "")  # the last time ``timestamp`` formatted

    # Each method catches the driver's errors itself rather than through ``errors``: a context manager per
    # statement is a few percent of the store path's CPU.
    def begin(self) -> None:
        """Start the write transaction: BEGIN IMMEDIATE on SQLite (the engine's connections leave it to the
        caller, see ``imaging_hub.database.engine``), so the write lock is taken now and the busy timeout covers
        the wait for it. psycopg begins one itself before the first statement, as under SQLAlchemy.

        Roll back by handing the connection back to SQLAlchemy's pool (``Connection.close``): its reset rolls
        back, or drops the connection if that fails."""
        if not self.postgresql:
            try:
                self.cursor.execute("BEGIN IMMEDIATE")
            except self._dbapi_error as exc:
                raise self._reraised(exc, None) from exc

    def commit(self) -> None:
        try:
            self.raw.commit()
        except self._dbapi_error as exc:
            raise self._reraised(exc, None) from exc

    def execute(self, sql: Sql, params: Mapping[str, Any] | None = None) -> Any:
        try:
            return self.cursor.execute(sql.postgresql if self.postgresql else sql.sqlite, params or {})
        except self._dbapi_error as exc:
            raise self._reraised(exc, sql) from exc

    def executemany(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            try:
                self.cursor.executemany(sql.postgresql if self.postgresql else sql.sqlite, rows)
            except self._dbapi_error as exc:
                raise self._reraised(exc, sql) from exc

    def returning_many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The first column of the one row ``sql`` returns for each of ``rows``, in their order."""
        if not rows:
            return []
        cursor = self._reader
        try:
            if not self.postgresql:  # sqlite3's executemany does not return rows
                return [cursor.execute(sql.sqlite, row).fetchone()[0] for row in rows]
            cursor.executemany(sql.postgresql, rows, returning=True)
            found = []
            while True:
                found.append(cursor.fetchone()[0])
                if not cursor.nextset():
                    return found
        except self._dbapi_error as exc:
            raise self._reraised(exc, sql) from exc

    def one(self, sql: Sql, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        try:
            row = self._reader.execute(sql.postgresql if self.postgresql else sql.sqlite, params or {}).fetchone()
        except self._dbapi_error as exc:
            raise self._reraised(exc, sql) from exc
        return None if row is None else tuple(row)

    def all(self, sql: Sql, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        try:
            rows = self._reader.execute(sql.postgresql if self.postgresql else sql.sqlite, params or {}).fetchall()
        except self._dbapi_error as exc:
            raise self._reraised(exc, sql) from exc
        return [tuple(row) for row in rows]

    def timestamp(self, value: dt.datetime) -> Any:
        """A timezone-aware time as the column holds it: SQLAlchemy's SQLite text form (UTC), else as is."""
        if self.postgresql:
            return value
        if value is not self._stamped[0]:  # a transaction stamps all its rows with one time: format it once
            self._stamped = value, value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return self._stamped[1]

    def uids_in(self, column: str, uids: Sequence[str]) -> tuple[str, dict[str, Any]]:
        """A ``column IN (...)`` condition over ``uids`` and its parameters (one array on PostgreSQL)."""
        if self.postgresql:
            return f"{column} = ANY(:uids)", {"uids": list(uids)}
        names = {f"u{n}": uid for n, uid in enumerate(uids)}
        return f"{column} IN ({', '.join(':' + name for name in names)})", names

    @contextlib.contextmanager
    def pipelined(self) -> Iterator[None]:
        """On PostgreSQL, queue statements and wait only where a result is read (psycopg's pipeline mode)."""
        if not self.postgresql:
            yield
            return
        with self.errors(None), self.raw.pipeline():
            yield

    @contextlib.contextmanager
    def errors(self, sql: Sql | None) -> Iterator[None]:
        """Re-raise the driver's errors as SQLAlchemy's (IntegrityError, OperationalError, ...)."""
        try:
            yield
        except self._dbapi_error as exc:
            raise self._reraised(exc, sql) from exc

    def _reraised(self, exc: Exception, sql: Sql | None) -> StatementError:
        text = "" if sql is None else self._text(sql)
        return DBAPIError.instance(text, None, exc, self._dbapi_error)

    def _text(self, sql: Sql) -> str:
        return sql.postgresql if self.postgresql else sql.sqlite
