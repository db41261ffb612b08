"""Each package's own Alembic chain (its scripts and its version table), brought to head on one database.

Every process opening a database may try at once: SQLite's IMMEDIATE transaction and a PostgreSQL advisory
lock make the others wait and then find the schema current. A database already at head is recognised by a
plain read, so opening one takes no write lock.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from imaging_hub.database.engine import autocommit, is_sqlite, write_transaction


@dataclass(frozen=True)
class Migrations:
    """``location``: the package's Alembic script folder, whose env.py runs on
    ``config.attributes["connection"]`` and records its revision in ``version_table``."""

    location: Path
    version_table: str

    def heads(self) -> tuple[str, ...]:
        return _heads(str(self.location))

    def is_current(self, conn: Connection) -> bool:
        """Whether the version table names the chain's heads (two plain reads: opening a current database
        costs little, and the spoke opens one per worker, poll and retrieve)."""
        if not conn.dialect.has_table(conn, self.version_table):
            return False
        current = conn.scalars(sa.text(f"SELECT version_num FROM {self.version_table}")).all()
        return tuple(sorted(current)) == self.heads()

    def upgrade(self, engine: Engine) -> None:
        """Bring the database to head, unless it is there already."""
        with engine.connect() as conn:
            conn = autocommit(conn)  # the transaction below is begun explicitly, IMMEDIATE on SQLite
            if self.is_current(conn):
                return
            if not is_sqlite(conn):
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": self._lock_key()})
            try:
                with write_transaction(conn):
                    config = Config()
                    config.set_main_option("script_location", str(self.location))
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
            finally:
                if not is_sqlite(conn):
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self._lock_key()})

    def _lock_key(self) -> int:
        return int.from_bytes(hashlib.sha256(self.version_table.encode()).digest()[:8], "big", signed=True)


@functools.cache
def _heads(location: str) -> tuple[str, ...]:
    return tuple(sorted(ScriptDirectory(location).get_heads()))
