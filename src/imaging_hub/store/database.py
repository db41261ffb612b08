"""The index's database: where it lives by default, and how work on instances is serialised across processes.

Engines and their settings come from ``imaging_hub.database``, the same for every package using the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub import database


def normalise_url(database_url: str | None, data_dir: Path) -> str:
    """None means SQLite inside the data folder; plain postgresql:// URLs use psycopg 3."""
    if database_url is None:
        return f"sqlite:///{data_dir / 'index.sqlite3'}"
    return database.normalise_url(database_url)


class Database(database.Database):
    """The index's read and write engines."""

    def lock_instances(self, conn: Connection, sop_instance_uids: Iterable[str]) -> None:
        """Serialise work on these SOP Instance UIDs across processes until the transaction ends.

        SQLite's IMMEDIATE transaction already holds the database's single write lock; PostgreSQL takes
        transaction-scoped advisory locks, in sorted order so two lockers never deadlock.
        """
        if self.is_sqlite:
            return
        keys = lock_keys(sop_instance_uids)
        if keys:
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"),
                {"keys": keys},
            )


def lock_keys(sop_instance_uids: Iterable[str]) -> list[int]:
    """The advisory lock keys of these UIDs, sorted (the order every locker takes them in)."""
    return sorted({_lock_key(uid) for uid in sop_instance_uids})


def _lock_key(uid: str) -> int:
    return int.from_bytes(hashlib.sha256(uid.encode()).digest()[:8], "big", signed=True)
