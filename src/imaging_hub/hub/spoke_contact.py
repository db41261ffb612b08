"""Spoke health at the hub: each spoke's heartbeat (``spoke.SpokeHeartbeat``) is kept, one row per site, so the
network's managers see which spokes are up, their backlog and when each last made contact.

A heartbeat comes only from a caller that speaks for its site (a spoke's token names its own site). Every
refused heartbeat is audited; an accepted one only when the spoke's state changes (``changes``): its first
contact, another version, another account or token beating for it, accepting images or not, failed deliveries
appearing or clearing, or contact again after it was down. A steady spoke beats every
``HEARTBEAT_INTERVAL_S`` (2,880 times a day); its last contact and backlog are still stored each time, for the
spoke health page, without an audit entry. A spoke is "up" while its last contact is under ``UP_WITHIN`` old:
three heartbeat intervals, so one lost beat does not mark it down.

A heartbeat may carry the spoke's recruitment counts (``enrolled``: per project and month, counts only). They
replace the site's previous counts, in the same transaction as its contact, writing only the months that changed
(a steady spoke sends the same counts all day, and they are left alone); like the backlog, a change in them
is no change of state and is not audited. Each project must be one the caller speaks for at the site (on a
governed hub: one the site takes part in); otherwise the whole heartbeat is refused (422), audited, and nothing
of it is stored. A heartbeat without the field (an older spoke) leaves the counts as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from imaging_hub.hub.caller import AuditEntry, AuditSink, Caller, InvalidRequest, Refused
from imaging_hub.hub.reconciliation import check_code
from imaging_hub.hub.tables import spoke_contact, spoke_enrolment, spoke_report
from imaging_hub.spoke import HEARTBEAT_INTERVAL_S, SpokeHeartbeat
from imaging_hub.store import Archive

UP_WITHIN = dt.timedelta(seconds=3 * HEARTBEAT_INTERVAL_S)


@dataclass(frozen=True)
class SpokeContact:
    site_id: str
    contact_at: dt.datetime | None  # None: never heard from
    backlog: dict[str, int]
    accepting: bool
    version: str
    reported_at: dt.datetime | None  # its latest reconciliation report

    def is_up(self, now: dt.datetime) -> bool:
        return self.contact_at is not None and now - self.contact_at < UP_WITHIN

    @property
    def waiting(self) -> int:
        """Instances the spoke holds that the hub has not acknowledged (queued, sent or retrying)."""
        return sum(n for state, n in self.backlog.items() if state not in {"acknowledged", "failed"})


def changes(before: sa.Row[Any] | None, beat: SpokeHeartbeat, caller: Caller, now: dt.datetime) -> list[str]:
    """How this heartbeat changes what the hub knew of the spoke (its previous row); empty: nothing to audit."""
    if before is None:
        return ["first contact"]
    found = []
    if before.version != beat.version:
        found.append("version")
    if before.reported_by != caller.name:
        found.append("reported by")
    if bool(before.accepting) != beat.accepting:
        found.append("accepting")
    if (dict(before.backlog).get("failed", 0) > 0) != (beat.backlog.get("failed", 0) > 0):
        found.append("failed deliveries")
    last = _aware(before.contact_at)
    if last is not None and now - last >= UP_WITHIN:
        found.append("back after silence")
    return found


class SpokeContacts:
    def __init__(self, archive: Archive, audit: AuditSink) -> None:
        self._archive = archive
        self._audit = audit

    def refused(self, caller: Caller, site: str, why: str) -> None:
        """Audit a heartbeat refused, here or by the face before it reached the room (unsigned, malformed)."""
        self._audit(AuditEntry(caller, "spoke.heartbeat", "site", site, outcome="denied", detail={"reason": why}))

    def receive(self, caller: Caller, beat: SpokeHeartbeat) -> None:
        site = beat.site_id
        try:
            check_code("site_id", site)
        except InvalidRequest as exc:
            self.refused(caller, "invalid", str(exc))  # the entity is not named: the code itself is the fault
            raise
        if caller.sites is not None and not caller.speaks_for_site(site):
            self.refused(caller, site, "does not speak for the site")
            raise Refused(f"not authorised to report for site {site}")
        self._check_enrolled(caller, beat)
        now = dt.datetime.now(dt.UTC)
        row = {
            "contact_at": now,
            "backlog": dict(beat.backlog),
            "accepting": beat.accepting,
            "version": beat.version,
            "reported_by": caller.name,
        }
        if beat.enrolled is not None:
            row["enrolment_at"] = now
        with self._archive.database.writing() as conn:
            # locked (PostgreSQL; SQLite's writer is one already): two beats of one spoke see each other's state
            mine = sa.select(spoke_contact).where(spoke_contact.c.site_id == site).with_for_update()
            before = conn.execute(mine).first()
            if before is None:
                conn.execute(spoke_contact.insert().values(site_id=site, **row))
            else:
                conn.execute(sa.update(spoke_contact).where(spoke_contact.c.site_id == site).values(**row))
            if beat.enrolled is not None:
                _store_counts(conn, site, {(e.project_id, e.month): e.participants for e in beat.enrolled})
        changed = changes(before, beat, caller, now)
        if changed:
            detail = {"changed": changed, "backlog": sum(beat.backlog.values()), "version": beat.version}
            self._audit(AuditEntry(caller, "spoke.heartbeat", "site", site, detail=detail))

    def _check_enrolled(self, caller: Caller, beat: SpokeHeartbeat) -> None:
        """Every project counted must be one the caller speaks for at the site: refused whole (and audited)."""
        site = beat.site_id
        for n, count in enumerate(beat.enrolled or ()):
            if not caller.speaks_for(count.project_id, site):
                why = f"enrolled[{n}].project_id: {count.project_id} is not a project of site {site} for this caller"
                self.refused(caller, site, why)
                raise InvalidRequest(why)

    def contacts(self, sites: list[str]) -> list[SpokeContact]:
        """Every site named or heard from, in order of site code (not audited: the face records its view)."""
        with self._archive.database.reading() as conn:
            beats = {r.site_id: r for r in conn.execute(sa.select(spoke_contact))}
            reports = dict(
                conn.execute(
                    sa.select(spoke_report.c.site_id, sa.func.max(spoke_report.c.reported_at)).group_by(
                        spoke_report.c.site_id
                    )
                ).all()
            )
        found = []
        for site in sorted(set(sites) | beats.keys()):
            beat = beats.get(site)
            found.append(
                SpokeContact(
                    site_id=site,
                    contact_at=_aware(beat.contact_at) if beat else None,
                    backlog=dict(beat.backlog) if beat else {},
                    accepting=bool(beat.accepting) if beat else False,
                    version=beat.version if beat else "",
                    reported_at=_aware(reports.get(site)),
                )
            )
        return found


def _store_counts(conn: sa.Connection, site: str, reported: dict[tuple[str, str], int]) -> None:
    """Make the site's stored counts equal ``reported``, writing only the months that differ: a steady spoke
    repeats the same counts on every beat, and rewriting them all each time churned the table for nothing.
    A month the spoke no longer reports is removed; one it reports as 0 is kept as 0."""
    table = spoke_enrolment.c
    stored = {(r.project_id, r.month): r.participants for r in conn.execute(
        sa.select(table.project_id, table.month, table.participants).where(table.site_id == site))}
    gone = [{"p": project, "m": month} for project, month in stored.keys() - reported.keys()]
    new = [{"site_id": site, "project_id": project, "month": month, "participants": n}
           for (project, month), n in reported.items() if (project, month) not in stored]
    moved = [{"p": project, "m": month, "n": n}
             for (project, month), n in reported.items() if stored.get((project, month), n) != n]
    same_month = sa.and_(table.site_id == site, table.project_id == sa.bindparam("p"), table.month == sa.bindparam("m"))
    if gone:
        conn.execute(sa.delete(spoke_enrolment).where(same_month), gone)
    if moved:
        conn.execute(sa.update(spoke_enrolment).where(same_month).values(participants=sa.bindparam("n")), moved)
    if new:
        conn.execute(spoke_enrolment.insert(), new)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC back
