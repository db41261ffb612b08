"""The store path's statements as plain SQL text, run on the DB-API cursor of a SQLAlchemy connection.

Storing an instance is a handful of fixed statements. Through SQLAlchemy Core each execution still builds a
cache key, looks up the compiled form and processes parameters in Python: about half of the hub's CPU per
instance (bench/RESULTS.md). Here each statement is text written once per dialect, so an execution is one
call into sqlite3 or psycopg. The connection stays SQLAlchemy's (its pool checks it out, resets it and drops
a broken one); the transaction's BEGIN (IMMEDIATE on SQLite) and COMMIT are the driver's too, which skips
SQLAlchemy's transaction bookkeeping and the engine's begin event (about 7% of the hub's CPU per instance,
bench/RESULTS.md). Driver errors are re-raised as SQLAlchemy's, so retries treat them as before.

A driver that owns its connection's transactions (``Driver(conn, transactions=True)``, the store's group
commit leader) keeps a PostgreSQL connection in psycopg's pipeline mode for as long as it lives: statements
are sent without waiting for each answer, and the code waits only where it reads a result. BEGIN and COMMIT
are statements it sends itself (the connection is AUTOCOMMIT, so psycopg adds no BEGIN of its own, which in
pipeline mode would wait for its answer), and the commit's sync carries every write queued before it: a store
transaction is two round trips (the reads, then the writes with the commit) instead of six.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError

from imaging_hub.database import autocommit

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

    Three cursors: one for statements whose results are not read, one for those whose rows are read at once,
    and one for a statement whose rows are read later (``send``; in pipeline mode a shared cursor's results
    would be those of whichever statement it ran last). Kept with the connection, so psycopg's per-cursor
    caches of parameter adapters last too.

    ``transactions``: this driver begins and commits the connection's transactions (``begin``, ``commit``);
    on PostgreSQL it makes the connection AUTOCOMMIT and holds it in pipeline mode until ``release``."""

    def __init__(self, conn: Connection, *, transactions: bool = False) -> None:
        self.conn = conn
        self.postgresql = conn.dialect.name == "postgresql"
        self._dbapi_error: type[Exception] = conn.dialect.loaded_dbapi.Error
        raw = conn.connection.driver_connection
        if raw is None:
            raise RuntimeError("the connection has no open driver connection")
        self.raw: Any = raw
        self.cursor = self.raw.cursor()
        self._reader = self.raw.cursor()
        self._later = self.raw.cursor()
        self._unread = False  # ``send`` sent a statement whose rows have not been read yet
        self._stamped: tuple[dt.datetime | None, str] = (None, "")  # the last time ``timestamp`` formatted
        self._transactions = transactions
        self._pipeline: Any = None  # psycopg's Pipeline, while held
        self._held = contextlib.ExitStack()
        if transactions and self.postgresql:
            autocommit(conn)  # undone by SQLAlchemy's pool when the connection goes back to it
            try:
                self._pipeline = self._held.enter_context(self.raw.pipeline())
            except self._dbapi_error as exc:
                raise self._reraised(exc, None) from exc

    # Each method catches the driver's errors itself rather than through a context manager: one per statement
    # is a few percent of the store path's CPU.
    def begin(self) -> None:
        """Start the write transaction: BEGIN IMMEDIATE on SQLite (the engine's connections leave it to the
        caller, see ``imaging_hub.database.engine``), so the write lock is taken now and the busy timeout covers
        the wait for it; on PostgreSQL a BEGIN queued in the pipeline, answered with the first read.

        Roll back with ``release`` and then hand the connection back to SQLAlchemy's pool
        (``Connection.close``): its reset rolls back, or drops the connection if that fails."""
        if not self._transactions:
            raise RuntimeError("this driver runs statements in its caller's transaction")
        try:
            self.cursor.execute("BEGIN" if self.postgresql else "BEGIN IMMEDIATE")
        except self._dbapi_error as exc:
            raise self._reraised(exc, None) from exc

    def commit(self) -> None:
        """Commit; in pipeline mode the COMMIT is queued after every statement sent and one sync waits for
        them all (their errors are raised here)."""
        try:
            if self._pipeline is None:
                self.raw.commit()
                return
            self.cursor.execute("COMMIT")
            self._pipeline.sync()
        except self._dbapi_error as exc:
            raise self._reraised(exc, None) from exc

    def release(self) -> None:
        """Leave pipeline mode and roll back whatever is still open, before the connection goes back to the
        pool (errors are left for the pool's reset, which drops a connection it cannot reset)."""
        held, self._held = self._held, contextlib.ExitStack()
        self._pipeline = None
        with contextlib.suppress(self._dbapi_error):
            held.close()  # a sync: waits for whatever was sent
        with contextlib.suppress(self._dbapi_error):
            self.raw.rollback()

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

    def send(self, sql: Sql, params: Mapping[str, Any] | None = None) -> Callable[[], list[tuple[Any, ...]]]:
        """Send ``sql`` now and read its rows later, with the call returned: in pipeline mode the rows come back
        with the next read or commit, in the same round trip. One such statement unread at a time."""
        cursor = self._sending()
        try:
            cursor.execute(sql.postgresql if self.postgresql else sql.sqlite, params or {})
            if not self.postgresql:
                rows = [tuple(row) for row in cursor.fetchall()]
                self._unread = False
                return lambda: rows
        except self._dbapi_error as exc:
            raise self._reraised(exc, sql) from exc

        def read() -> list[tuple[Any, ...]]:
            self._unread = False
            try:
                return [tuple(row) for row in cursor.fetchall()]
            except self._dbapi_error as exc:
                raise self._reraised(exc, sql) from exc

        return read

    def send_many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> Callable[[], list[Any]]:
        """``sql`` sent for each of ``rows`` now; the call returned reads the first column of the one row each
        returned, in their order (later, as ``send``: psycopg's executemany waits for the rows it returns, so
        only a single row's statement waits for the next read or commit)."""
        if not rows:
            return list
        if len(rows) == 1 and self.postgresql:
            one = self.send(sql, rows[0])
            return lambda: [row[0] for row in one()]
        cursor = self._sending()
        try:
            if not self.postgresql:  # sqlite3's executemany does not return rows
                found = [cursor.execute(sql.sqlite, row).fetchone()[0] for row in rows]
                self._unread = False
                return lambda: found
            cursor.executemany(sql.postgresql, rows, returning=True)
        except self._dbapi_error as exc:
            raise self._reraised(exc, sql) from exc

        def read() -> list[Any]:
            self._unread = False
            found = []
            try:
                while True:
                    found.append(cursor.fetchone()[0])
                    if not cursor.nextset():
                        return found
            except self._dbapi_error as exc:
                raise self._reraised(exc, sql) from exc

        return read

    def _sending(self) -> Any:
        if self._unread:
            raise RuntimeError("the rows of the statement sent before have not been read")
        self._unread = True
        return self._later

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

    def any_of(self, column: str, name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
        """A ``column IN (...)`` condition over ``values`` and its parameters, named after ``name`` (one array
        on PostgreSQL; one value is compared as itself, because psycopg's dumping of a list is ~3 us of
        Python per list, cProfile of the store path)."""
        if self.postgresql:
            if len(values) == 1:
                return f"{column} = :{name}", {name: values[0]}
            return f"{column} = ANY(:{name})", {name: list(values)}
        names = {f"{name}{n}": value for n, value in enumerate(values)}
        return f"{column} IN ({', '.join(':' + key for key in names)})", names

    def _reraised(self, exc: Exception, sql: Sql | None) -> StatementError:
        text = "" if sql is None else self._text(sql)
        return DBAPIError.instance(text, None, exc, self._dbapi_error)

    def _text(self, sql: Sql) -> str:
        return sql.postgresql if self.postgresql else sql.sqlite
