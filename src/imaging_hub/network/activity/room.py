"""Research activity kept in the hub's database: the portfolio studies and the manual entries.

Opened once per process beside the archive with the face's audit sink (as the network operations room is). The
room decides who may add a manual entry (a network manager, or the data manager of the entry's site) and records
each change and refusal through the sink; a refused or bad entry stores nothing.
"""

from __future__ import annotations

import json
from datetime import UTC

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from imaging_hub.database import Room
from imaging_hub.network.activity import tables as t
from imaging_hub.network.activity.aggregate import count_activity
from imaging_hub.network.activity.database import MIGRATIONS
from imaging_hub.network.activity.errors import ActivityInputError, ActivityRefused
from imaging_hub.network.activity.records import ManualEntry, Measure
from imaging_hub.network.activity.study import Phase, PortfolioStudy
from imaging_hub.network.operations import Actor, AuditEntry

NOTE_LIMIT = 500
COUNT_LIMIT = 100_000  # a month's activity at one site; larger is a typing slip


class ActivityRoom(Room):
    """``ActivityRoom.open(engine, audit=sink)``: the room in the hub's database (migrated, not owned)."""

    migrations = MIGRATIONS

    # --- portfolio studies ---------------------------------------------------------------------------------

    def put_study(self, actor: Actor, study: PortfolioStudy) -> None:
        """Add the study, or replace the one with its IRAS ID; a network manager's step."""
        if not actor.manager:
            self._refuse(actor, "network.activity.study.put", "study", study.iras_id, "only a network manager")
        values = {
            "cpms_id": study.cpms_id,
            "title": study.title,
            "sponsor": study.sponsor,
            "chief_investigator": study.chief_investigator,
            "phase": study.phase.value,
            "project": study.project,
            "sites": json.dumps(sorted(study.sites)),
            "timepoints": json.dumps(list(study.timepoints)),
            "reads_per_participant": study.reads_per_participant,
        }
        with self.engine.begin() as db:
            other = db.execute(sa.select(t.studies.c.iras_id).where(t.studies.c.project == study.project)).scalar()
            if other is not None and other != study.iras_id:
                raise ActivityInputError("project: another portfolio study already arrives under this project")
            changed = db.execute(
                sa.update(t.studies).where(t.studies.c.iras_id == study.iras_id).values(**values)
            ).rowcount
            if not changed:
                db.execute(sa.insert(t.studies).values(iras_id=study.iras_id, **values))
        self._record(actor, "network.activity.study.put", "study", study.iras_id, replaced=bool(changed))

    def studies(self) -> list[PortfolioStudy]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(t.studies).order_by(t.studies.c.iras_id)).mappings().all()
        return [_study_of(row) for row in rows]

    # --- manual entries ------------------------------------------------------------------------------------

    def may_enter(self, actor: Actor, site: str) -> bool:
        return actor.manager or site in actor.sites

    def add_manual(self, actor: Actor, entry: ManualEntry) -> int:
        """Store the entry after checking it against its study (the same rules the count applies); its id."""
        action = "network.activity.manual.add"
        if not self.may_enter(actor, entry.site):
            self._refuse(actor, action, "site", entry.site, "only a network manager or the site's data manager")
        if len(entry.note) > NOTE_LIMIT:
            raise ActivityInputError(f"note: longer than {NOTE_LIMIT} characters")
        if entry.count > COUNT_LIMIT:
            raise ActivityInputError(f"count: more than {COUNT_LIMIT}")
        study = next((s for s in self.studies() if s.iras_id == entry.iras_id.strip()), None)
        if study is None:
            raise ActivityInputError("IRAS ID: names no portfolio study")
        if entry.site not in study.sites:
            raise ActivityInputError("site: is not a site of this study")
        count_activity([study], manual=[entry])  # month, count, timepoint checked as the report will read them
        with self.engine.begin() as db:
            new_id = db.execute(
                sa.insert(t.manual_entries).values(
                    iras_id=study.iras_id,
                    site=entry.site,
                    month=entry.month,
                    measure=entry.measure.value,
                    timepoint=entry.timepoint if entry.measure is Measure.SCANS else None,
                    count=entry.count,
                    note=entry.note,
                    entered_by=entry.entered_by,
                    entered_at=self._clock().astimezone(UTC).replace(tzinfo=None),
                )
            ).inserted_primary_key
        assert new_id is not None
        self._record(
            actor,
            action,
            "site",
            entry.site,
            study=study.iras_id,
            month=entry.month,
            measure=entry.measure.value,
            count=entry.count,
        )
        return int(new_id[0])

    def manual(self, sites: set[str] | None = None) -> list[ManualEntry]:
        """The manual entries, oldest first; ``sites`` limits them to those sites."""
        query = sa.select(t.manual_entries).order_by(t.manual_entries.c.id)
        if sites is not None:
            query = query.where(t.manual_entries.c.site.in_(sorted(sites)))
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [
            ManualEntry(
                row["iras_id"],
                row["site"],
                row["month"],
                Measure(row["measure"]),
                row["count"],
                row["entered_by"],
                row["timepoint"],
                row["note"],
            )
            for row in rows
        ]

    # --- audit ---------------------------------------------------------------------------------------------

    def _record(self, actor: Actor, action: str, kind: str, entity: str, **detail: object) -> None:
        self._audit(AuditEntry(actor, action, f"network_activity_{kind}", entity, detail=detail))

    def _refuse(self, actor: Actor, action: str, kind: str, entity: str, who_may: str) -> None:
        why = f"{who_may} may do this"
        self._audit(AuditEntry(actor, action, f"network_activity_{kind}", entity, outcome="denied",
                               detail={"reason": why}))
        raise ActivityRefused(why)


def _study_of(row: RowMapping) -> PortfolioStudy:
    return PortfolioStudy(
        row["iras_id"],
        row["cpms_id"],
        row["title"],
        row["sponsor"],
        row["chief_investigator"],
        Phase(row["phase"]),
        row["project"],
        frozenset(json.loads(row["sites"])),
        tuple(json.loads(row["timepoints"])),
        row["reads_per_participant"],
    )
