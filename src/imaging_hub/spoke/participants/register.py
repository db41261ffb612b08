"""The opt-out register held in the spoke database (keyed hashes and dates checked), refreshed from file."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Connection

from imaging_hub.spoke.participants.identity import SubjectHasher
from imaging_hub.spoke.participants.optout import OptOutEntry, read_opt_out_file
from imaging_hub.spoke.state import transaction
from imaging_hub.spoke.tables import opt_out, opt_out_load

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisterStatus:
    entries: int
    loaded_at: float | None
    source: str
    latest_check: str  # the most recent date the check service was asked, ISO, "" if never loaded


def replace_register(conn: Connection, entries: list[OptOutEntry], source: str, mtime: float) -> int:
    """Swap in a whole new register in one transaction: readers see the old one or the new one."""
    latest = max((e.checked_on for e in entries), default=dt.date.min)
    load = insert(opt_out_load).values(
        id=1, loaded_at=time.time(), source=source, source_mtime=mtime, entries=len(entries),
        latest_check="" if latest == dt.date.min else latest.isoformat(),
    )
    with transaction(conn):
        conn.execute(delete(opt_out))
        if entries:
            conn.execute(
                insert(opt_out).prefix_with("OR REPLACE"),
                [{"nhs_hash": e.nhs_hash, "checked_on": e.checked_on.isoformat()} for e in entries],
            )
        conn.execute(load.on_conflict_do_update(
            index_elements=[opt_out_load.c.id],
            set_={c: load.excluded[c] for c in ("loaded_at", "source", "source_mtime", "entries", "latest_check")},
        ))
    log.info("opt-out register loaded: %d entries from %s", len(entries), source)
    return len(entries)


def load_register_file(conn: Connection, path: Path, hasher: SubjectHasher) -> int:
    entries = read_opt_out_file(path, hasher)
    return replace_register(conn, entries, path.name, path.stat().st_mtime)


def refresh_if_changed(conn: Connection, path: Path, hasher: SubjectHasher) -> bool:
    """Reload the register when its file has changed since the last load. A bad file keeps the old one."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return False
    row = conn.execute(select(opt_out_load.c.source, opt_out_load.c.source_mtime).where(opt_out_load.c.id == 1)).first()
    if row is not None and row.source == path.name and row.source_mtime == mtime:
        return False
    load_register_file(conn, path, hasher)
    return True


def is_opted_out(conn: Connection, nhs_hashes: list[str]) -> bool:
    if not nhs_hashes:
        return False
    return conn.execute(_ANY_OPTED_OUT, {"hashes": nhs_hashes}).first() is not None


_ANY_OPTED_OUT = select(1).where(opt_out.c.nhs_hash.in_(bindparam("hashes", expanding=True))).limit(1)


def opted_out_among(conn: Connection, nhs_hashes: list[str], chunk: int = 500) -> set[str]:
    """Those of the keyed hashes on the register, asked in chunks: one query per participant cost 0.4 s per
    heartbeat's recruitment count at 10,000 participants."""
    found: set[str] = set()
    for start in range(0, len(nhs_hashes), chunk):
        part = nhs_hashes[start : start + chunk]
        found.update(conn.scalars(select(opt_out.c.nhs_hash).where(opt_out.c.nhs_hash.in_(part))))
    return found


def register_status(conn: Connection) -> RegisterStatus:
    row = conn.execute(select(opt_out_load).where(opt_out_load.c.id == 1)).first()
    if row is None:
        return RegisterStatus(0, None, "", "")
    return RegisterStatus(row.entries, row.loaded_at, row.source, row.latest_check)
