"""The spoke's durable state: one SQLite database (WAL) in its data folder, tables in ``spoke.tables``.

Holds the enrolment, the opt-out register (hashes only), the outbox (one row per instance per project),
studies expected from the PACS, decisions, withdrawals and the running spoke's health. The receiving
process, the pipeline and its workers, and the CLI each open their own connections to the same file.

A connection's statements commit one by one; writes that belong together go in ``transaction``, which
takes the write lock at its start (BEGIN IMMEDIATE). Every commit is on disk before it returns
(synchronous=FULL, set by ``imaging_hub.database``): the spoke removes an intake file only after the commit
that records it, and an outbox file only after the one that marks it acknowledged.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from imaging_hub.database import Migrations, create_engine, write_transaction
from imaging_hub.spoke.tables import health as health_table
from imaging_hub.spoke.tables import pull_request

VERSION_TABLE = "alembic_version_spoke"
MIGRATIONS = Migrations(Path(__file__).with_name("migrations"), VERSION_TABLE)
FILE_NAME = "spoke.sqlite3"


def connect(data_dir: Path) -> Connection:
    """Open (creating or migrating if needed) the spoke database. One connection per thread."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FILE_NAME
    fresh = not path.exists()
    engine = _engine(path.resolve(), os.getpid())
    conn = engine.connect()
    if fresh:
        os.chmod(path, 0o600)  # it holds the enrolment list
    try:
        if not MIGRATIONS.is_current(conn):  # a plain read: status polls and workers take no write lock
            MIGRATIONS.upgrade(engine)
    except BaseException:
        conn.close()
        raise
    return conn


@functools.cache
def _engine(path: Path, _pid: int) -> Engine:
    """One engine per file and process (a forked child makes its own); connections are not pooled: each
    ``connect`` opens the file and ``close`` closes it, as the spoke's processes and threads expect."""
    return create_engine(f"sqlite:///{path}", autocommit=True, pooled=False)


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
    with write_transaction(conn):
        yield conn


def set_health(conn: Connection, key: str, value: str) -> None:
    statement = insert(health_table).values(key=key, value=value, updated_at=time.time())
    conn.execute(statement.on_conflict_do_update(
        index_elements=[health_table.c.key],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    ))


def health(conn: Connection) -> dict[str, tuple[str, float]]:
    return {row.key: (row.value, row.updated_at) for row in conn.execute(select(health_table))}


def request_pull(conn: Connection, project_id: str | None = None) -> None:
    """Ask the running spoke to pull from the PACS (all projects when ``project_id`` is None)."""
    conn.execute(pull_request.insert().values(project_id=project_id or "", requested_at=time.time()))
