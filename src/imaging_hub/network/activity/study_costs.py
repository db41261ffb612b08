"""What a portfolio study's costs rest on, kept in the activity room's tables: its schedule of events, the annual
tariffs and the AcoRD overrides people decided (who, when, why; the newest per activity applies, all are kept).

Opened beside the ``ActivityRoom`` on the same database and audit sink. Only a network manager changes any of
it; each change and refusal is audited, and a refused or bad change stores nothing (a schedule or a tariff
year is replaced as a whole, in one transaction). Costs themselves are computed, never stored: see ``costed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from imaging_hub.database import Room
from imaging_hub.network.activity import tables as t
from imaging_hub.network.activity.database import MIGRATIONS
from imaging_hub.network.activity.errors import ActivityInputError, ActivityRefused
from imaging_hub.network.costs import (
    ActivityKind,
    Attribution,
    Category,
    CostsInputError,
    PartBItem,
    Schedule,
    ScheduledActivity,
    Tariff,
    TariffItem,
    Tariffs,
    TariffUnit,
    VisitKey,
    attribute,
    override,
)
from imaging_hub.network.operations import Actor, AuditEntry

JUSTIFICATION_LIMIT = 2000
_PENNY = Decimal("0.01")
_LIMITS = {"arm": 64, "visit": 64, "activity": 200, "staff role": 200, "tariff code": 64}


@dataclass(frozen=True)
class StoredOverride:
    """One decision as kept: ``applies`` is False once a newer decision replaced it or the rule agrees."""

    iras_id: str
    visit: VisitKey
    activity: str
    category: Category
    rule_category: Category
    justification: str
    by: str
    at: datetime
    applies: bool = False


class StudyCosts(Room):
    """``StudyCosts.open(engine, audit=sink)``: beside the ``ActivityRoom``, in the same chain."""

    migrations = MIGRATIONS

    # --- schedules of events -------------------------------------------------------------------------------

    def put_schedule(self, actor: Actor, iras_id: str, activities: Sequence[ScheduledActivity]) -> None:
        """Replace the study's whole schedule with ``activities`` (their ``visit.study`` must be the IRAS ID)."""
        self._manager(actor, "network.costs.schedule.put", "schedule", iras_id)
        if not activities:
            raise ActivityInputError("schedule: has no activities")
        names = [(a.visit, a.name) for a in activities]
        if len(set(names)) != len(names):
            raise ActivityInputError("schedule: an activity is listed twice for one arm and visit")
        for activity in activities:
            _check(iras_id, activity)
        with self.engine.begin() as db:
            _known_study(db, iras_id)
            db.execute(sa.delete(t.schedule).where(t.schedule.c.iras_id == iras_id))
            db.execute(sa.insert(t.schedule), [_schedule_row(a) for a in activities])
        self._record(actor, "network.costs.schedule.put", "schedule", iras_id, activities=len(activities))

    def put_activity(self, actor: Actor, iras_id: str, activity: ScheduledActivity) -> None:
        """Add one activity to the study's schedule, or replace the one with its arm, visit and name."""
        self._manager(actor, "network.costs.schedule.activity", "schedule", iras_id)
        _check(iras_id, activity)
        key = (t.schedule.c.iras_id == iras_id) & (t.schedule.c.arm == activity.visit.arm) & (
            t.schedule.c.visit == activity.visit.visit) & (t.schedule.c.activity == activity.name)
        with self.engine.begin() as db:
            _known_study(db, iras_id)
            replaced = db.execute(sa.delete(t.schedule).where(key)).rowcount
            db.execute(sa.insert(t.schedule).values(**_schedule_row(activity)))
        self._record(actor, "network.costs.schedule.activity", "schedule", iras_id, arm=activity.visit.arm,
                     visit=activity.visit.visit, replaced=bool(replaced))

    def schedule(self, iras_ids: Sequence[str] | None = None) -> Schedule:
        """Every stored activity (of ``iras_ids`` only, if given), by study, arm, visit, then as entered."""
        query = sa.select(t.schedule).order_by(t.schedule.c.iras_id, t.schedule.c.arm, t.schedule.c.id)
        if iras_ids is not None:
            query = query.where(t.schedule.c.iras_id.in_(list(iras_ids)))
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return Schedule([_activity_of(row) for row in rows], "stored schedule")

    # --- tariffs -------------------------------------------------------------------------------------------

    def put_tariff(self, actor: Actor, tariff: Tariff) -> None:
        """Store one financial year's tariff, replacing that year's if it was stored before."""
        self._manager(actor, "network.costs.tariff.put", "tariff", tariff.year)
        for item in tariff.items.values():
            if len(item.code) > _LIMITS["tariff code"] or len(item.description) > 500:
                raise ActivityInputError("tariff: a code is longer than 64 characters or a description than 500")
        with self.engine.begin() as db:
            db.execute(sa.delete(t.tariff).where(t.tariff.c.starts == tariff.starts))
            db.execute(sa.insert(t.tariff), [
                {"starts": tariff.starts, "code": i.code, "description": i.description, "unit": i.unit.value,
                 "price": i.price} for i in tariff.items.values()
            ])
        self._record(actor, "network.costs.tariff.put", "tariff", tariff.year, items=len(tariff.items))

    def tariffs(self) -> Tariffs:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(t.tariff).order_by(t.tariff.c.starts, t.tariff.c.code)).mappings().all()
        years: dict[int, dict[str, TariffItem]] = {}
        for row in rows:
            years.setdefault(row["starts"], {})[row["code"]] = TariffItem(
                row["code"], row["description"], TariffUnit(row["unit"]), row["price"].quantize(_PENNY))
        return Tariffs([Tariff(starts, items) for starts, items in years.items()])

    # --- AcoRD overrides -----------------------------------------------------------------------------------

    def add_override(
        self, actor: Actor, visit: VisitKey, activity_name: str, category: Category, justification: str
    ) -> Attribution:
        """Record a person's decision to put a scheduled activity in ``category``, with why; the attribution now."""
        action = "network.costs.override"
        entity = f"{visit.study}/{visit.arm}/{visit.visit}/{activity_name}"[:200]
        self._manager(actor, action, "override", entity)
        if len(justification) > JUSTIFICATION_LIMIT:
            raise ActivityInputError(f"justification: longer than {JUSTIFICATION_LIMIT} characters")
        activity = self.schedule([visit.study]).activity(visit, activity_name)
        if activity is None:
            raise ActivityInputError("activity: names no activity of this study, arm and visit in the schedule")
        at = self._clock()
        try:
            decided = override(attribute(activity), category, by=actor.name, at=at, justification=justification)
        except CostsInputError as exc:
            raise ActivityInputError("; ".join(f"{p.column}: {p.message}" for p in exc.problems)) from None
        with self.engine.begin() as db:
            db.execute(sa.insert(t.overrides).values(
                iras_id=visit.study, arm=visit.arm, visit=visit.visit, activity=activity.name,
                category=category.value, rule_category=decided.rule_category.value,
                justification=justification.strip(), decided_by=actor.name,
                decided_at=at.astimezone(UTC).replace(tzinfo=None),
            ))
        self._record(actor, action, "override", entity, category=category.value,
                     rule_category=decided.rule_category.value)
        return decided

    def override_history(self, iras_ids: Sequence[str] | None = None) -> list[StoredOverride]:
        """Every decision, newest first; those that apply to today's schedule are marked."""
        query = sa.select(t.overrides).order_by(t.overrides.c.id.desc())
        if iras_ids is not None:
            query = query.where(t.overrides.c.iras_id.in_(list(iras_ids)))
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        schedule = self.schedule(iras_ids)
        seen: set[tuple[VisitKey, str]] = set()
        history = []
        for row in rows:
            visit = VisitKey(row["iras_id"], row["arm"], row["visit"])
            activity = schedule.activity(visit, row["activity"])
            newest = (visit, row["activity"]) not in seen
            seen.add((visit, row["activity"]))
            applies = newest and activity is not None and attribute(activity).rule_category.value != row["category"]
            history.append(StoredOverride(
                row["iras_id"], visit, row["activity"], Category(row["category"]), Category(row["rule_category"]),
                row["justification"], row["decided_by"], row["decided_at"].replace(tzinfo=UTC), applies))
        return history

    def overrides(self, schedule: Schedule) -> dict[ScheduledActivity, Attribution]:
        """The decisions that apply to ``schedule``'s activities, for ``costs.cost``."""
        decided: dict[ScheduledActivity, Attribution] = {}
        studies = sorted({a.visit.study for a in schedule.activities})
        for stored in self.override_history(studies):
            activity = schedule.activity(stored.visit, stored.activity)
            if stored.applies and activity is not None:
                decided[activity] = override(attribute(activity), stored.category, by=stored.by, at=stored.at,
                                             justification=stored.justification)
        return decided

    # --- checks and audit ----------------------------------------------------------------------------------

    def _manager(self, actor: Actor, action: str, kind: str, entity: str) -> None:
        if not actor.manager:
            why = "only a network manager may do this"
            self._audit(AuditEntry(actor, action, f"network_costs_{kind}", entity, outcome="denied",
                                   detail={"reason": why}))
            raise ActivityRefused(why)

    def _record(self, actor: Actor, action: str, kind: str, entity: str, **detail: object) -> None:
        self._audit(AuditEntry(actor, action, f"network_costs_{kind}", entity, detail=detail))


def _known_study(db: Connection, iras_id: str) -> None:
    if db.execute(sa.select(t.studies.c.iras_id).where(t.studies.c.iras_id == iras_id)).scalar() is None:
        raise ActivityInputError("IRAS ID: names no portfolio study")


def _check(iras_id: str, activity: ScheduledActivity) -> None:
    if activity.visit.study != iras_id:
        raise ActivityInputError("study: a schedule row names another study than the IRAS ID it is stored for")
    texts = {"arm": activity.visit.arm, "visit": activity.visit.visit, "activity": activity.name,
             "staff role": activity.staff_role, "tariff code": activity.tariff_code}
    for name, value in texts.items():
        if not value.strip():
            raise ActivityInputError(f"{name}: is empty")
        if len(value) > _LIMITS[name]:
            raise ActivityInputError(f"{name}: longer than {_LIMITS[name]} characters")
    if activity.minutes < 0:
        raise ActivityInputError("minutes: cannot be negative")
    if activity.minutes > 24 * 60:
        raise ActivityInputError("minutes: more than a day")
    if activity.per_visit < 1:
        raise ActivityInputError("per visit: must be at least 1")


def _schedule_row(a: ScheduledActivity) -> dict[str, object]:
    return {
        "iras_id": a.visit.study, "arm": a.visit.arm, "visit": a.visit.visit, "activity": a.name,
        "kind": a.kind.value, "staff_role": a.staff_role, "minutes": a.minutes, "tariff_code": a.tariff_code,
        "patient_care": a.patient_care, "continues_after_study": a.continues_after_study,
        "standard_care": a.standard_care, "part_b_item": a.part_b_item.value if a.part_b_item else None,
        "replaces_tariff_code": a.replaces_tariff_code, "per_visit": a.per_visit,
    }


def _activity_of(row: RowMapping) -> ScheduledActivity:
    return ScheduledActivity(
        visit=VisitKey(row["iras_id"], row["arm"], row["visit"]), name=row["activity"],
        kind=ActivityKind(row["kind"]), staff_role=row["staff_role"], minutes=row["minutes"],
        tariff_code=row["tariff_code"], patient_care=row["patient_care"],
        continues_after_study=row["continues_after_study"], standard_care=row["standard_care"],
        part_b_item=PartBItem(row["part_b_item"]) if row["part_b_item"] else None,
        replaces_tariff_code=row["replaces_tariff_code"], per_visit=row["per_visit"], row=row["id"],
    )
