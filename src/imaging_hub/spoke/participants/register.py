"""The opt-out register held in the spoke database (keyed hashes and dates checked), refreshed from file."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from imaging_hub.spoke.participants.identity import SubjectHasher
from imaging_hub.spoke.participants.optout import OptOutEntry, read_opt_out_file
from imaging_hub.spoke.state import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisterStatus:
    entries: int
    loaded_at: float | None
    source: str
    latest_check: str  # the most recent date the check service was asked, ISO, "" if never loaded


def replace_register(conn: sqlite3.Connection, entries: list[OptOutEntry], source: str, mtime: float) -> int:
    """Swap in a whole new register in one transaction: readers see the old one or the new one."""
    latest = max((e.checked_on for e in entries), default=dt.date.min)
    with transaction(conn):
        conn.execute("DELETE FROM opt_out")
        conn.executemany(
            "INSERT OR REPLACE INTO opt_out(nhs_hash, checked_on) VALUES (?, ?)",
            [(e.nhs_hash, e.checked_on.isoformat()) for e in entries],
        )
        conn.execute(
            "INSERT INTO opt_out_load(id, loaded_at, source, source_mtime, entries, latest_check)"
            " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET loaded_at=excluded.loaded_at,"
            " source=excluded.source, source_mtime=excluded.source_mtime, entries=excluded.entries,"
            " latest_check=excluded.latest_check",
            (time.time(), source, mtime, len(entries), "" if latest == dt.date.min else latest.isoformat()),
        )
    log.info("opt-out register loaded: %d entries from %s", len(entries), source)
    return len(entries)


def load_register_file(conn: sqlite3.Connection, path: Path, hasher: SubjectHasher) -> int:
    entries = read_opt_out_file(path, hasher)
    return replace_register(conn, entries, path.name, path.stat().st_mtime)


def refresh_if_changed(conn: sqlite3.Connection, path: Path, hasher: SubjectHasher) -> bool:
    """Reload the register when its file has changed since the last load. A bad file keeps the old one."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return False
    row = conn.execute("SELECT source, source_mtime FROM opt_out_load WHERE id = 1").fetchone()
    if row is not None and row["source"] == path.name and row["source_mtime"] == mtime:
        return False
    load_register_file(conn, path, hasher)
    return True


def is_opted_out(conn: sqlite3.Connection, nhs_hashes: list[str]) -> bool:
    if not nhs_hashes:
        return False
    marks = ",".join("?" * len(nhs_hashes))
    return conn.execute(f"SELECT 1 FROM opt_out WHERE nhs_hash IN ({marks}) LIMIT 1", nhs_hashes).fetchone() is not None


def register_status(conn: sqlite3.Connection) -> RegisterStatus:
    row = conn.execute("SELECT * FROM opt_out_load WHERE id = 1").fetchone()
    if row is None:
        return RegisterStatus(0, None, "", "")
    return RegisterStatus(row["entries"], row["loaded_at"], row["source"], row["latest_check"])
