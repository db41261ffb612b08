"""The archive's change feed: each instance indexed or removed, recorded in the transaction that did it.

Sequence numbers follow commit order, so ``since=n`` never skips a change that commits later with a lower
number: SQLite has one writer at a time, and on PostgreSQL each writer takes one transaction-scoped advisory
lock as it writes its change rows, so the numbers are drawn and committed one writer at a time (taken last,
after every other lock of the transaction, so it cannot deadlock with them; it is held only for the insert
and the commit). The lock is taken by the insert itself, in a materialised WITH query the inserted rows are
drawn from, so each row's number (the column's default) is drawn after the lock is held; the statement reads
no rows, so the snapshot it took before waiting for the lock does not matter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imaging_hub.events import Change, InstanceRemoved, InstanceStored, Origin
from imaging_hub.store.driver import Driver, Sql
from imaging_hub.store.schema import changes

_FEED_LOCK = 0x1A9E_C4A6  # PostgreSQL advisory lock serialising change numbering with commit order
_COLUMNS = ("kind", "sop_instance_uid", "series_instance_uid", "study_instance_uid", "sop_class_uid", "project", "site",
            "modality", "size", "sha256", "recorded_at", "origin_interface", "origin_principal", "origin_address")
_INSERT = Sql(f"INSERT INTO changes ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
              "RETURNING seq")
_INSERT_LOCKED = Sql(f"WITH feed AS MATERIALIZED (SELECT pg_advisory_xact_lock(:feed)) INSERT INTO changes "
                     f"({', '.join(_COLUMNS)}) SELECT {', '.join(':' + c for c in _COLUMNS)} FROM feed RETURNING seq")
_FEED = {"feed": _FEED_LOCK}
STORED = "stored"
REMOVED = "removed"


class ChangeRow(NamedTuple):
    """One change to record, before it has a sequence number (a tuple: the store builds one per instance)."""

    kind: str
    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    sop_class_uid: str
    project: str
    site: str
    modality: str
    size: int
    sha256: str
    recorded_at: dt.datetime  # timezone-aware
    origin: Origin | None


def record(conn: Connection, rows: list[ChangeRow]) -> list[Change]:
    """Write the rows (call last in the transaction) and return them as events with their sequence numbers."""
    return send(Driver(conn), rows)()


def send(driver: Driver, rows: list[ChangeRow]) -> Callable[[], list[Change]]:
    """Write the rows (send last in the transaction); the call returned gives them as events with their
    sequence numbers. In pipeline mode call it after the commit: the rows travel with it, one round trip."""
    if not rows:
        return list
    if driver.postgresql:
        numbered = driver.send_many(_INSERT_LOCKED, [_params(row, driver) | _FEED for row in rows])
    else:
        numbered = driver.send_many(_INSERT, [_params(row, driver) for row in rows])
    return lambda: [_announced(row, seq) for row, seq in zip(rows, numbered(), strict=True)]


def since(conn: Connection, after: int, limit: int) -> list[Change]:
    rows = conn.execute(
        sa.select(changes).where(changes.c.seq > after).order_by(changes.c.seq).limit(limit)
    ).mappings()
    return [_event(dict(row)) for row in rows]


def last(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.seq), 0))).scalar_one())


def _params(row: ChangeRow, driver: Driver) -> dict[str, Any]:
    origin = row.origin
    return {
        "kind": row.kind, "sop_instance_uid": row.sop_instance_uid, "series_instance_uid": row.series_instance_uid,
        "study_instance_uid": row.study_instance_uid, "sop_class_uid": row.sop_class_uid, "project": row.project,
        "site": row.site, "modality": row.modality, "size": row.size, "sha256": row.sha256,
        "recorded_at": driver.timestamp(row.recorded_at),
        "origin_interface": origin.interface if origin else None,
        "origin_principal": origin.principal if origin else None,
        "origin_address": origin.address if origin else None,
    }


def _announced(row: ChangeRow, seq: int) -> Change:
    """The event for a row just written, from the row itself (as ``_event`` would read it back)."""
    origin = row.origin
    if row.kind == REMOVED:
        return InstanceRemoved(
            sequence=int(seq), sop_instance_uid=row.sop_instance_uid, series_instance_uid=row.series_instance_uid,
            study_instance_uid=row.study_instance_uid, project=row.project, site=row.site,
            recorded_at=row.recorded_at, origin=origin,
        )
    return InstanceStored(
        sequence=int(seq), sop_instance_uid=row.sop_instance_uid, series_instance_uid=row.series_instance_uid,
        study_instance_uid=row.study_instance_uid, sop_class_uid=row.sop_class_uid, project=row.project,
        site=row.site, modality=row.modality, size=int(row.size), sha256=row.sha256, recorded_at=row.recorded_at,
        origin=origin,
    )


def _event(v: dict[str, Any]) -> Change:
    origin = None if v["origin_interface"] is None else Origin(
        v["origin_interface"], v["origin_principal"] or "", v["origin_address"] or "")
    at = v["recorded_at"]
    at = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC
    if v["kind"] == REMOVED:
        return InstanceRemoved(
            sequence=int(v["seq"]), sop_instance_uid=v["sop_instance_uid"],
            series_instance_uid=v["series_instance_uid"], study_instance_uid=v["study_instance_uid"],
            project=v["project"], site=v["site"], recorded_at=at, origin=origin,
        )
    return InstanceStored(
        sequence=int(v["seq"]), sop_instance_uid=v["sop_instance_uid"], series_instance_uid=v["series_instance_uid"],
        study_instance_uid=v["study_instance_uid"], sop_class_uid=v["sop_class_uid"], project=v["project"],
        site=v["site"], modality=v["modality"], size=int(v["size"]), sha256=v["sha256"], recorded_at=at,
        origin=origin,
    )
