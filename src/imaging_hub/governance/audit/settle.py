"""Settling at start-up the stores a crash left unaudited.

A request stores (the archive commits the instance and its change row together) and then audits; a kill
between the two leaves an instance stored and never audited. The archive and the trail cannot share that
transaction (the archive commits groups of arrivals from many requests at once), so the store's own change
feed is the durable "pending" record: every audit entry that records a new store writes, in its own
transaction, one ``gov_audited_store`` row per instance. At start-up, before the hub serves, each stored
change after the cursor is matched with a row for its SOP Instance UID (consumed, so a UID stored, removed and
stored again needs two); a change with no row gets an entry now, itself written with its rows, so a crash
while settling settles nothing twice. Consumed rows go and the cursor moves in one transaction per page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from imaging_hub.events import Change, InstanceStored
from imaging_hub.governance.audit.chain import AuditRecord, AuditTrail
from imaging_hub.governance.tables import AuditedStore, StoreAuditCursor

log = logging.getLogger(__name__)
PAGE = 500
_PER_ENTRY = 1000  # instances named by one settling entry
_AUDITED_UIDS = 100  # like a request's entry, the detail lists at most this many


class ChangeFeed(Protocol):
    """The archive's change feed (``imaging_hub.store.Archive``)."""

    def changes(self, since: int = 0, limit: int = 100) -> list[Change]: ...

    def last_change(self) -> int: ...


def settle_stored(trail: AuditTrail, engine: Engine, feed: ChangeFeed) -> int:
    """Audit every stored change after the cursor that no entry recorded; returns how many were settled.
    Run once per start, before the hub takes requests (a request in flight would look unaudited)."""
    with Session(engine) as session, session.begin():
        cursor = session.get(StoreAuditCursor, 1)
        if cursor is None:  # first start under this scheme: earlier stores were audited the old way
            session.add(StoreAuditCursor(id=1, change_seq=feed.last_change()))
            return 0
        after = cursor.change_seq
    settled = 0
    while page := feed.changes(since=after, limit=PAGE):
        settled += _settle_page(trail, engine, page)
        after = page[-1].sequence
    if settled:
        log.warning("audited %d stored instances whose requests ended before their audit entry", settled)
    return settled


def _settle_page(trail: AuditTrail, engine: Engine, page: Sequence[Change]) -> int:
    stored = [c for c in page if isinstance(c, InstanceStored)]
    with Session(engine) as session:
        rows = (
            session.execute(
                select(AuditedStore.id, AuditedStore.sop_instance_uid)
                .where(AuditedStore.sop_instance_uid.in_({c.sop_instance_uid for c in stored}))
                .order_by(AuditedStore.id)
            ).all()
            if stored
            else []
        )
    unconsumed: dict[str, list[int]] = {}
    for row_id, uid in rows:
        unconsumed.setdefault(uid, []).append(row_id)
    consumed: list[int] = []
    missing: list[InstanceStored] = []
    for change in stored:
        ids = unconsumed.get(change.sop_instance_uid)
        if ids:
            consumed.append(ids.pop(0))
        else:
            missing.append(change)
    entries = [_record(trail, group) for group in _groups(missing)]
    with Session(engine) as session, session.begin():
        if consumed:
            session.execute(delete(AuditedStore).where(AuditedStore.id.in_(consumed)))
        if entries:  # the settling entries' own rows stood for this page's changes; they are used up too
            session.execute(delete(AuditedStore).where(AuditedStore.audit_seq.in_(entries)))
        session.execute(update(StoreAuditCursor).where(StoreAuditCursor.id == 1).values(change_seq=page[-1].sequence))
    return len(missing)


def _groups(missing: list[InstanceStored]) -> list[list[InstanceStored]]:
    """One entry per caller, interface and project (as a request would have written), at most _PER_ENTRY each."""
    by_key: dict[tuple[str, str, str, str], list[InstanceStored]] = {}
    for change in missing:
        origin = change.origin
        key = (
            origin.interface if origin else "",
            origin.principal if origin else "",
            origin.address if origin else "",
            change.project,
        )
        by_key.setdefault(key, []).append(change)
    return [group[i : i + _PER_ENTRY] for group in by_key.values() for i in range(0, len(group), _PER_ENTRY)]


def _record(trail: AuditTrail, group: list[InstanceStored]) -> int:
    first, origin = group[0], group[0].origin
    uids = [c.sop_instance_uid for c in group]
    return trail.record(
        AuditRecord(
            actor=(origin.principal if origin else "") or "unknown",
            actor_kind="system",
            address=origin.address if origin else "",
            action="dicom.write",
            entity_type="instances",
            entity_id=uids[0] if len(uids) == 1 else f"{uids[0]} (+{len(uids) - 1})",
            project=first.project,
            outcome="success",
            detail={
                "result": "stored",
                "settled": "no entry recorded this store when it was made",
                "interface": origin.interface if origin else "",
                "count": len(uids),
                "changes": [first.sequence, group[-1].sequence],
                "uids": uids[:_AUDITED_UIDS],
            },
        ),
        stored=uids,
    )
