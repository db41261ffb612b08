"""One database setup for every package: engines with the same settings whoever opens a file, and each
package's own Alembic migration chain.

    create_engine(url, immediate=False)    SQLite (WAL, busy timeout, FULL sync, foreign keys) or PostgreSQL
    Database(url)                          a read engine and a write engine; reading() / writing()
    autocommit(conn); write_transaction(conn)   statements that commit alone, and explicit write transactions
    Migrations(location, version_table)    is_current(conn), upgrade(engine)
    Room.open(engine, audit=sink, clock=...)    a domain room's base: its chain (``migrations``) brought to head
    Clock, utc_now                          what a room asks the time of
"""

from imaging_hub.database.engine import (
    BUSY_TIMEOUT_MS,
    Database,
    autocommit,
    create_engine,
    is_sqlite,
    normalise_url,
    write_transaction,
)
from imaging_hub.database.migrations import Migrations
from imaging_hub.database.room import Clock, Room, utc_now

__all__ = [
    "BUSY_TIMEOUT_MS",
    "Clock",
    "Database",
    "Migrations",
    "Room",
    "autocommit",
    "create_engine",
    "is_sqlite",
    "normalise_url",
    "utc_now",
    "write_transaction",
]
