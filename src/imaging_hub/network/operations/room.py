"""The network room: the register of sites and scanners, research sessions and bookings, and the shared
reporting worklist, kept in the hub's database.

Opened once per process beside the archive, with the face's audit sink. Every worklist step (claim, release,
report, reassign, and each assignment of a routing batch) is decided here and audited, refusals included; a step
and what goes with it (the report's text) commit in one transaction, so nothing partial is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import RowMapping
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from imaging_hub.database import Clock, Room, utc_now
from imaging_hub.network.capacity import Booking, CapacityRegister, Scanner, SessionTemplate, SiteLocation, Slot
from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.operations import tables as t
from imaging_hub.network.operations.actor import Actor, AuditEntry, AuditSink, no_audit
from imaging_hub.network.operations.codec import (
    aware,
    booking_of,
    booking_row,
    reporter_of,
    reporter_row,
    scanner_of,
    scanner_row,
    session_of,
    session_row,
    site_of,
    site_row,
    state_of,
    stored,
    task_of,
    task_row,
)
from imaging_hub.network.operations.devices import DeviceSeen
from imaging_hub.network.operations.errors import NetworkNotFound, NetworkRefused
from imaging_hub.network.operations.migrate import MIGRATIONS
from imaging_hub.network.operations.worklist_store import DatabaseWorklist
from imaging_hub.network.reporting import (
    Action,
    FhirReportingTask,
    FinishedReport,
    Pathway,
    Priority,
    Reporter,
    ReporterLoad,
    ReportingTask,
    RoutingPolicy,
    TaskState,
    TaskStatus,
    TransitionRefused,
    Worklist,
    WorklistEvent,
    route,
)

# The network's turnaround targets unless the hub configures its own; none may exceed 28 days (Pathway checks).
DEFAULT_PATHWAYS = {
    "acute": Pathway("acute", timedelta(hours=1)),
    "urgent": Pathway("urgent", timedelta(hours=24)),
    "overflow": Pathway("overflow", timedelta(days=7)),
    "trial": Pathway("trial", timedelta(days=14), research=True),
}
HELD = (TaskStatus.ASSIGNED.value, TaskStatus.CLAIMED.value)


@dataclass(frozen=True)
class TaskView:
    """A task with its worklist state, and its report once reported."""

    task: ReportingTask
    state: TaskState
    reported_at: datetime | None = None
    report_text: str | None = None
    report_conclusion: str | None = None
    fhir: FhirReportingTask | None = None


@dataclass(frozen=True)
class ReporterView:
    reporter: Reporter
    account: str
    sessions: tuple[str, ...]
    research_sessions: tuple[str, ...]


class NetworkRoom(Room):
    """``NetworkRoom.open(engine, audit=sink)``: the engine of the hub's database (the archive's writer)."""

    migrations = MIGRATIONS

    def __init__(
        self, engine: Engine, audit: AuditSink, clock: Clock, policy: RoutingPolicy, pathways: Mapping[str, Pathway]
    ) -> None:
        super().__init__(engine, audit, clock)
        self.policy = policy
        self.pathways = dict(pathways)

    @classmethod
    def open(
        cls,
        engine: Engine,
        *,
        audit: AuditSink = no_audit,
        clock: Clock = utc_now,
        policy: RoutingPolicy | None = None,
        pathways: Mapping[str, Pathway] = DEFAULT_PATHWAYS,
    ) -> Self:
        """``pathways``: the reporting pathways tasks may name (FHIR ServiceRequest.category codes)."""
        cls.migrations.upgrade(engine)
        return cls(engine, audit, clock, policy or RoutingPolicy(), pathways)

    def now(self) -> datetime:
        return self._clock()

    # --- recording ---------------------------------------------------------------------------------------

    def _record(
        self, actor: Actor, action: str, entity: str, entity_id: object, outcome: str = "success", **detail: Any
    ) -> None:
        self._audit(AuditEntry(actor, f"network.{action}", entity, str(entity_id), outcome=outcome, detail=detail))

    def _refuse(self, actor: Actor, action: str, entity: str, entity_id: object, why: str) -> NetworkRefused:
        self._record(actor, action, entity, entity_id, "denied", reason=why)
        return NetworkRefused(why)

    def _manager(self, actor: Actor, action: str, entity: str, entity_id: object) -> None:
        if not actor.manager:
            raise self._refuse(actor, action, entity, entity_id, "only a network manager may do this")

    def _for_site(self, actor: Actor, site: str, action: str, entity: str, entity_id: object) -> None:
        if not (actor.manager or site in actor.sites):
            raise self._refuse(
                actor, action, entity, entity_id, f"only a network manager or a data manager of site {site} may do this"
            )

    @contextmanager
    def _refusing(self, actor: Actor, action: str, entity: str, entity_id: object) -> Iterator[None]:
        """Bad input is a refusal too: audited with what was wrong, then raised; nothing was stored."""
        try:
            yield
        except NetworkInputError as exc:
            self._record(actor, action, entity, entity_id, "denied", reason=str(exc))
            raise

    def _insert(self, table: sa.Table, values: Mapping[str, Any], what: str) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(table.insert().values(**values))
        except IntegrityError:
            raise NetworkInputError(f"{what} is already in the register") from None

    # --- register: sites, scanners, sessions, bookings ----------------------------------------------------

    def add_site(self, actor: Actor, site: SiteLocation) -> None:
        self._manager(actor, "site.add", "network_site", site.site)
        self._insert(t.site, site_row(site), f"site {site.site}")
        self._record(actor, "site.add", "network_site", site.site)

    def register_scanner(
        self, actor: Actor, scanner: Scanner, *, serial_number: str = "", station_name: str = ""
    ) -> None:
        """Register a scanner, or confirm a proposal under the same id (keeping what arriving data said); by a
        network manager or the site's data manager."""
        self._for_site(actor, scanner.site, "scanner.register", "scanner", scanner.scanner_id)
        with self._refusing(actor, "scanner.register", "scanner", scanner.scanner_id):
            proposed = self._registered(scanner, serial_number, station_name)
        self._record(actor, "scanner.register", "scanner", scanner.scanner_id, confirmed_proposal=bool(proposed))

    def _registered(self, scanner: Scanner, serial_number: str, station_name: str) -> str | None:
        if scanner.site not in self.sites():
            raise NetworkInputError(f"scanner {scanner.scanner_id}: site {scanner.site} is not in the register")
        values = {
            **scanner_row(scanner),
            "status": "registered",
            "serial_number": serial_number,
            "station_name": station_name,
        }
        with self._engine.begin() as conn:
            proposed = conn.execute(
                sa.select(t.scanner.c.status).where(t.scanner.c.scanner_id == scanner.scanner_id)
            ).scalar()
            if proposed == "registered":
                raise NetworkInputError(f"scanner {scanner.scanner_id} is already in the register")
            if proposed == "proposed":
                values = {k: v for k, v in values.items() if k not in ("serial_number", "station_name") or v}
                conn.execute(t.scanner.update().where(t.scanner.c.scanner_id == scanner.scanner_id).values(**values))
            elif proposed == "dismissed":
                raise NetworkInputError(f"scanner {scanner.scanner_id} was dismissed; register it under another id")
            else:
                conn.execute(t.scanner.insert().values(**values, series_seen=0))
        return str(proposed) if proposed else None

    def update_scanner(self, actor: Actor, scanner: Scanner) -> None:
        """Edit a registered scanner's description (not its site); by a network manager or the site's data manager."""
        current = self._scanner_row(actor, "scanner.edit", scanner.scanner_id, "registered")
        self._for_site(actor, current["site"], "scanner.edit", "scanner", scanner.scanner_id)
        with self._refusing(actor, "scanner.edit", "scanner", scanner.scanner_id):
            if scanner.site != current["site"]:
                raise NetworkInputError(f"scanner {scanner.scanner_id}: a scanner cannot move to another site")
        with self._engine.begin() as conn:
            conn.execute(
                t.scanner.update().where(t.scanner.c.scanner_id == scanner.scanner_id).values(**scanner_row(scanner))
            )
        self._record(actor, "scanner.edit", "scanner", scanner.scanner_id)

    def dismiss_proposal(self, actor: Actor, scanner_id: str) -> None:
        """A proposal that is not a research scanner: kept as dismissed, so its series keep matching it and it is
        not proposed again."""
        current = self._scanner_row(actor, "scanner.dismiss", scanner_id, "proposed")
        self._for_site(actor, current["site"], "scanner.dismiss", "scanner", scanner_id)
        with self._engine.begin() as conn:
            conn.execute(t.scanner.update().where(t.scanner.c.scanner_id == scanner_id).values(status="dismissed"))
        self._record(actor, "scanner.dismiss", "scanner", scanner_id)

    def _scanner_row(self, actor: Actor, action: str, scanner_id: str, status: str) -> RowMapping:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(t.scanner).where(t.scanner.c.scanner_id == scanner_id)).mappings().first()
        if row is None or row["status"] != status:
            self._record(actor, action, "scanner", scanner_id, "denied", reason=f"no {status} scanner of that id")
            raise NetworkNotFound(f"no {status} scanner {scanner_id}")
        return row

    def add_session(self, actor: Actor, template: SessionTemplate) -> None:
        scanner = self._registered_scanner(actor, "session.add", "research_session", template.session_id, template)
        self._for_site(actor, scanner.site, "session.add", "research_session", template.session_id)
        with self._refusing(actor, "session.add", "research_session", template.session_id):
            if template.valid_from and template.valid_until and template.valid_until < template.valid_from:
                raise NetworkInputError(f"session {template.session_id}: it ends before it starts running")
            self._insert(t.session, session_row(template), f"session {template.session_id}")
        self._record(actor, "session.add", "research_session", template.session_id, scanner=scanner.scanner_id)

    def _registered_scanner(
        self, actor: Actor, action: str, entity: str, entity_id: object, template: SessionTemplate
    ) -> Scanner:
        found = self.register().scanners.get(template.scanner_id)
        if found is None:
            self._record(actor, action, entity, entity_id, "denied", reason="no registered scanner of that id")
            raise NetworkNotFound(f"no scanner {template.scanner_id} in the register")
        return found

    def cancel_session_date(self, actor: Actor, session_id: str, day: date) -> None:
        """An exception to a weekly session: it does not run on ``day``. Refused while visits are booked then."""
        template = next((s for s in self.sessions() if s.session_id == session_id), None)
        if template is None:
            self._record(actor, "session.cancel", "research_session", session_id, "denied", reason="no such session")
            raise NetworkNotFound(f"no research session {session_id}")
        scanner = self.scanner(template.scanner_id)
        self._for_site(actor, scanner.site, "session.cancel", "research_session", session_id)
        slot_id = f"{session_id}@{day.isoformat()}"
        with self._refusing(actor, "session.cancel", "research_session", session_id):
            if day not in template.dates(day, day):
                raise NetworkInputError(f"session {session_id} does not run on {day.isoformat()}")
            with self._engine.begin() as conn:
                booked = conn.execute(
                    sa.select(sa.func.count()).select_from(t.booking).where(t.booking.c.slot_id == slot_id)
                ).scalar_one()
                if booked:
                    raise NetworkInputError(
                        f"session {session_id} has {booked} visit(s) booked on {day.isoformat()}; move them first"
                    )
                cancelled = sorted(d.isoformat() for d in template.cancelled | {day})
                conn.execute(
                    t.session.update()
                    .where(t.session.c.session_id == session_id)
                    .values(cancelled=json.dumps(cancelled))
                )
        self._record(actor, "session.cancel", "research_session", session_id, day=day.isoformat())

    def book(
        self, actor: Actor, booking: Booking, *, modality: str = "", capabilities: frozenset[str] = frozenset()
    ) -> None:
        """Book a visit into a slot; the slot must exist and have the minutes free (checked in the transaction).
        ``modality``/``capabilities``: what the project's protocol needs of the scanner, when the booker says."""
        self._for_site(actor, booking.site, "booking.add", "booking", booking.visit_id)
        with self._refusing(actor, "booking.add", "booking", booking.visit_id):
            scanner = self.register().scanners.get(booking.scanner_id)
            if modality and scanner is not None and not scanner.can_do(modality, capabilities):
                lacking = ", ".join(sorted(capabilities - scanner.capabilities)) or "none"
                raise NetworkInputError(
                    f"visit {booking.visit_id}: scanner {booking.scanner_id} does not meet the protocol "
                    f"(needs {modality}; capabilities it lacks: {lacking})"
                )
            self._store_bookings(actor, [booking])
        self._record(actor, "booking.add", "booking", booking.visit_id, slot=booking.slot_id, project=booking.project)

    def book_plan(self, actor: Actor, bookings: Sequence[Booking]) -> None:
        """Store an accepted allocation plan: every booking or none (a network manager's act)."""
        self._manager(actor, "booking.plan", "booking_plan", len(bookings))
        with self._refusing(actor, "booking.plan", "booking_plan", len(bookings)):
            if not bookings:
                raise NetworkInputError("the plan books no visit")
            self._store_bookings(actor, bookings)
        for booking in bookings:
            self._record(actor, "booking.add", "booking", booking.visit_id, slot=booking.slot_id, plan=True)
        self._record(actor, "booking.plan", "booking_plan", len(bookings), visits=[b.visit_id for b in bookings])

    def _store_bookings(self, actor: Actor, bookings: Sequence[Booking]) -> None:
        days = sorted({b.start.astimezone(UTC).date() for b in bookings})
        slots: dict[str, Slot] = {}
        if days:
            span = (days[-1] - days[0]).days // 7 + 2
            slots = {s.slot_id: s for s in self.register().slots(days[0] - timedelta(days=1), span)}
        for booking in bookings:
            _fits(booking, slots.get(booking.slot_id))
        try:
            with self._engine.begin() as conn:
                for booking in bookings:
                    slot = slots[booking.slot_id]
                    used = conn.execute(
                        sa.select(sa.func.coalesce(sa.func.sum(t.booking.c.minutes), 0)).where(
                            t.booking.c.slot_id == booking.slot_id
                        )
                    ).scalar_one()
                    if used + booking.minutes > slot.minutes:
                        raise NetworkInputError(
                            f"visit {booking.visit_id}: slot {booking.slot_id} has "
                            f"{slot.minutes - used} minutes free, the visit needs {booking.minutes}"
                        )
                    conn.execute(
                        t.booking.insert().values(
                            **booking_row(booking), booked_by=actor.name, booked_at=stored(self._clock())
                        )
                    )
        except IntegrityError:
            which = f"visit {bookings[0].visit_id}" if len(bookings) == 1 else "a visit of the plan"
            raise NetworkInputError(f"{which} is already booked") from None

    def sites(self) -> dict[str, SiteLocation]:
        with self._engine.connect() as conn:
            return {r["site"]: site_of(r) for r in conn.execute(sa.select(t.site).order_by(t.site.c.site)).mappings()}

    def scanner(self, scanner_id: str) -> Scanner:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(t.scanner).where(t.scanner.c.scanner_id == scanner_id)).mappings().first()
        if row is None:
            raise NetworkNotFound(f"no scanner {scanner_id} in the register")
        return scanner_of(row)

    def scanners(self, status: str = "registered") -> list[Scanner]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.scanner).where(t.scanner.c.status == status).order_by(t.scanner.c.scanner_id)
            ).mappings()
            return [scanner_of(r) for r in rows]

    def proposals(self) -> list[dict[str, Any]]:
        """Scanners proposed from arriving data, with when they were first seen and how many series came."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.scanner).where(t.scanner.c.status == "proposed").order_by(t.scanner.c.first_seen)
            ).mappings()
            return [{**dict(r), "first_seen": aware(r["first_seen"]) if r["first_seen"] else None} for r in rows]

    def sessions(self) -> list[SessionTemplate]:
        with self._engine.connect() as conn:
            return [
                session_of(r) for r in conn.execute(sa.select(t.session).order_by(t.session.c.session_id)).mappings()
            ]

    def register(self) -> CapacityRegister:
        """The registered scanners and their sessions, as the capacity engines take them."""
        scanners = {s.scanner_id: s for s in self.scanners()}
        return CapacityRegister(self.sites(), scanners, [s for s in self.sessions() if s.scanner_id in scanners])

    def bookings(self) -> list[Booking]:
        with self._engine.connect() as conn:
            return [booking_of(r) for r in conn.execute(sa.select(t.booking).order_by(t.booking.c.start)).mappings()]

    # --- scanners seen in arriving data --------------------------------------------------------------------

    def device_seen(self, device: DeviceSeen) -> str | None:
        """Count an arriving series against its scanner; propose one if the register does not know it.
        Returns the scanner id matched or proposed (None when the kept attributes cannot tell devices apart)."""
        if not device.identified:
            return None
        with self._engine.begin() as conn:
            matched = _match(conn, device)
            if matched is None:
                matched = device.key
                conn.execute(
                    t.scanner.insert().values(
                        scanner_id=matched,
                        site=device.site,
                        modality=device.modality,
                        manufacturer=device.manufacturer,
                        model=device.model,
                        field_strength_t=device.field_strength_t,
                        software_version=device.software_version,
                        capabilities="[]",
                        serial_number=device.serial_number,
                        station_name=device.station_name,
                        status="proposed",
                        first_seen=stored(self._clock()),
                        series_seen=0,
                    )
                )
            conn.execute(
                t.scanner.update()
                .where(t.scanner.c.scanner_id == matched)
                .values(series_seen=t.scanner.c.series_seen + 1)
            )
        return matched

    # --- reporters -----------------------------------------------------------------------------------------

    def add_reporter(
        self,
        actor: Actor,
        reporter: Reporter,
        account: str,
        *,
        sessions: Sequence[str] = (),
        research_sessions: Sequence[str] = (),
    ) -> None:
        """``sessions``: the roster as typed ('Mon 08:00-17:00'); ``reporter.sessions`` is ignored for it."""
        self._manager(actor, "reporter.add", "reporter", reporter.reporter_id)
        if not account.strip():
            raise NetworkInputError(f"reporter {reporter.reporter_id} needs the account they sign in with")
        row = reporter_row(
            reporter,
            account.strip().lower(),
            {"sessions": list(sessions), "research_sessions": list(research_sessions)},
        )
        reporter_of(row)  # every session parses before anything is stored
        self._insert(t.reporter, row, f"reporter {reporter.reporter_id}")
        self._record(actor, "reporter.add", "reporter", reporter.reporter_id)

    def reporters(self) -> list[ReporterView]:
        """Each reporter with the load they hold now (STAT tasks, weighted workload, by subspecialty)."""
        loads = self._loads()
        with self._engine.connect() as conn:
            rows = list(conn.execute(sa.select(t.reporter).order_by(t.reporter.c.reporter_id)).mappings())
        views = []
        for row in rows:
            base = reporter_of(row)
            reporter = Reporter(
                base.reporter_id,
                base.home_site,
                base.credentialed_sites,
                base.subspecialties,
                base.sessions,
                base.research_sessions,
                base.share_targets,
                loads.get(base.reporter_id, ReporterLoad()),
            )
            views.append(
                ReporterView(
                    reporter,
                    row["account"],
                    tuple(json.loads(row["sessions"])),
                    tuple(json.loads(row["research_sessions"])),
                )
            )
        return views

    def reporter_for(self, actor: Actor) -> ReporterView | None:
        return next((v for v in self.reporters() if v.account == actor.name.lower()), None)

    def _loads(self) -> dict[str, ReporterLoad]:
        loads: dict[str, ReporterLoad] = {}
        for view in self.tasks(statuses=HELD):
            assert view.state.reporter_id is not None
            load = loads.setdefault(view.state.reporter_id, ReporterLoad())
            task = view.task
            load.stat_in_hand += task.priority is Priority.STAT
            load.workload += self.policy.weights.weight(task.modality, task.body_part)
            if task.subspecialty:
                load.by_subspecialty[task.subspecialty] = load.by_subspecialty.get(task.subspecialty, 0) + 1
        return loads

    # --- reporting tasks -----------------------------------------------------------------------------------

    def create_task(self, actor: Actor, task: ReportingTask, fhir: FhirReportingTask | None = None) -> TaskView:
        self._for_site(actor, task.site, "task.create", "reporting_task", task.task_id)
        now = self._clock()
        refs = (
            {"service_request": fhir.service_request, "imaging_study": fhir.imaging_study, "subject": fhir.subject}
            if fhir
            else {}
        )
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    t.task.insert().values(
                        **task_row(task),
                        **refs,
                        created_at=stored(now),
                        created_by=actor.name,
                        status=TaskStatus.OPEN.value,
                        version=0,
                        since=stored(now),
                    )
                )
                opened = WorklistEvent(
                    task.task_id,
                    Action.OPEN,
                    actor.name,
                    now,
                    True,
                    None,
                    None,
                    TaskStatus.OPEN,
                    "fhir" if fhir else "",
                )
                DatabaseWorklist(conn).record(opened)
        except IntegrityError:
            raise NetworkInputError(f"task {task.task_id} is already on the worklist") from None
        self._record(
            actor,
            "task.create",
            "reporting_task",
            task.task_id,
            site=task.site,
            priority=task.priority.label,
            pathway=task.pathway.name,
            source="fhir" if fhir else "direct",
        )
        return self.task(task.task_id)

    def task(self, task_id: str) -> TaskView:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(t.task).where(t.task.c.task_id == task_id)).mappings().first()
        if row is None:
            raise NetworkNotFound(f"no reporting task {task_id}")
        return _view(row)

    def tasks(self, *, statuses: Sequence[str] = (), reporter_id: str | None = None) -> list[TaskView]:
        query = sa.select(t.task).order_by(t.task.c.priority, t.task.c.acquired_at, t.task.c.task_id)
        if statuses:
            query = query.where(t.task.c.status.in_(statuses))
        if reporter_id is not None:
            query = query.where(t.task.c.reporter_id == reporter_id)
        with self._engine.connect() as conn:
            return [_view(r) for r in conn.execute(query).mappings()]

    def events(self, task_id: str | None = None) -> Sequence[WorklistEvent]:
        with self._engine.connect() as conn:
            return DatabaseWorklist(conn).events(task_id)

    # --- worklist steps, each audited ----------------------------------------------------------------------

    def claim(self, actor: Actor, task_id: str) -> TaskState:
        reporter = self._reporter_of(actor, "claim", task_id)
        view = self.task(task_id)
        task = view.task
        if task.site not in reporter.credentialed_sites:
            raise self._refuse(
                actor,
                "worklist.claim",
                "reporting_task",
                task_id,
                f"reporter {reporter.reporter_id} is not credentialed for site {task.site}",
            )
        if task.subspecialty and task.subspecialty not in reporter.subspecialties:
            raise self._refuse(
                actor, "worklist.claim", "reporting_task", task_id, f"the task needs a {task.subspecialty} reporter"
            )
        return self._step(actor, "claim", task_id, lambda w, _: w.claim(task_id, reporter.reporter_id))

    def release(self, actor: Actor, task_id: str, reason: str = "") -> TaskState:
        reporter = self._reporter_of(actor, "release", task_id)
        return self._step(actor, "release", task_id, lambda w, _: w.release(task_id, reporter.reporter_id, reason))

    def report(self, actor: Actor, task_id: str, text: str, conclusion: str = "") -> TaskState:
        reporter = self._reporter_of(actor, "report", task_id)
        if not text.strip():
            raise NetworkInputError("a report needs its text")

        def reported(w: Worklist, conn: Connection) -> TaskState:
            state = w.report(task_id, reporter.reporter_id)
            conn.execute(
                t.task.update()
                .where(t.task.c.task_id == task_id)
                .values(
                    report_text=text.strip(),
                    report_conclusion=conclusion.strip() or None,
                    reported_at=stored(state.since or self._clock()),
                )
            )
            return state

        return self._step(actor, "report", task_id, reported)

    def reassign(self, actor: Actor, task_id: str, to_reporter_id: str, reason: str) -> TaskState:
        self._manager(actor, "worklist.reassign", "reporting_task", task_id)
        try:
            self.task(task_id)  # an unknown task is not found, whatever else the request says
            if to_reporter_id not in {v.reporter.reporter_id for v in self.reporters()}:
                raise NetworkInputError(f"no reporter {to_reporter_id}")
        except (NetworkNotFound, NetworkInputError) as exc:
            self._record(actor, "worklist.reassign", "reporting_task", task_id, "denied", reason=str(exc))
            raise
        return self._step(
            actor, "reassign", task_id, lambda w, _: w.reassign(task_id, to_reporter_id, actor.name, reason)
        )

    def route_open(self, actor: Actor, at: datetime | None = None) -> list[tuple[str, str | None, str]]:
        """Route every open task with the engine and assign what it assigned; each assignment audited with its
        reason. Returns (task, reporter or None, reason) in routing order."""
        self._manager(actor, "worklist.route", "worklist", "open")
        at = at or self._clock()
        open_tasks = [v.task for v in self.tasks(statuses=(TaskStatus.OPEN.value,))]
        result = route(open_tasks, [v.reporter for v in self.reporters()], at, self.policy)
        for a in result.assignments:
            if a.reporter_id is not None:
                self._step(actor, "assign", a.task_id, _assigning(a.task_id, a.reporter_id, actor.name, a.reason))
        self._record(
            actor,
            "worklist.route",
            "worklist",
            "open",
            tasks=len(open_tasks),
            assigned=sum(a.reporter_id is not None for a in result.assignments),
        )
        return [(a.task_id, a.reporter_id, a.reason) for a in result.assignments]

    def _reporter_of(self, actor: Actor, action: str, task_id: str) -> Reporter:
        view = self.reporter_for(actor)
        if view is None:
            raise self._refuse(
                actor,
                f"worklist.{action}",
                "reporting_task",
                task_id,
                "this account is not a reporter on the network's worklist",
            )
        return view.reporter

    def _step(
        self, actor: Actor, action: str, task_id: str, change: Callable[[Worklist, Connection], TaskState]
    ) -> TaskState:
        refused: TransitionRefused | None = None
        with self._engine.begin() as conn:
            worklist = Worklist(DatabaseWorklist(conn), self._clock)
            before = worklist_state(conn, task_id)
            try:
                state = change(worklist, conn)
            except TransitionRefused as exc:
                refused = exc  # the refusal's event commits; nothing else changed
        if refused is not None:  # the task's state does not allow the step (a conflict, not a permission)
            self._record(actor, f"worklist.{action}", "reporting_task", task_id, "denied", reason=str(refused))
            raise refused
        self._record(
            actor,
            f"worklist.{action}",
            "reporting_task",
            task_id,
            reporter=state.reporter_id,
            before=before,
            after=state.status.value,
        )
        return state

    def finished_report(self, task_id: str) -> tuple[FhirReportingTask, FinishedReport]:
        view = self.task(task_id)
        if view.state.status is not TaskStatus.REPORTED or view.report_text is None:
            raise NetworkNotFound(f"task {task_id} has no finished report")
        source = view.fhir or FhirReportingTask(view.task, f"ServiceRequest/{task_id}", f"ImagingStudy/{task_id}", None)
        assert view.state.reporter_id is not None and view.reported_at is not None
        return source, FinishedReport(
            view.state.reporter_id, view.reported_at, view.report_text, view.report_conclusion
        )


def _fits(booking: Booking, slot: Slot | None) -> None:
    if slot is None or slot.scanner_id != booking.scanner_id or slot.site != booking.site:
        raise NetworkInputError(f"visit {booking.visit_id}: slot {booking.slot_id} is not a session of that scanner")
    if booking.start < slot.start or booking.end > slot.end:
        raise NetworkInputError(f"visit {booking.visit_id}: the visit does not fit within its session")


def _assigning(task_id: str, reporter_id: str, by: str, reason: str) -> Callable[[Worklist, Connection], TaskState]:
    def assign(worklist: Worklist, _conn: Connection) -> TaskState:
        return worklist.assign(task_id, reporter_id, by, reason)

    return assign


def worklist_state(conn: Connection, task_id: str) -> str | None:
    return conn.execute(sa.select(t.task.c.status).where(t.task.c.task_id == task_id)).scalar()


def _view(row: RowMapping) -> TaskView:
    task = task_of(row)
    fhir = (
        FhirReportingTask(task, row["service_request"], row["imaging_study"], row["subject"])
        if row["service_request"]
        else None
    )
    return TaskView(
        task,
        state_of(row),
        aware(row["reported_at"]) if row["reported_at"] else None,
        row["report_text"],
        row["report_conclusion"],
        fhir,
    )


def _match(conn: Connection, device: DeviceSeen) -> str | None:
    c = t.scanner.c
    rows = list(
        conn.execute(
            sa.select(c.scanner_id, c.serial_number, c.station_name).where(
                c.site == device.site,
                c.modality == device.modality,
                c.manufacturer == device.manufacturer,
                c.model == device.model,
            )
        ).mappings()
    )
    exact = [
        r["scanner_id"]
        for r in rows
        if (device.serial_number and r["serial_number"] == device.serial_number)
        or (not r["serial_number"] and device.station_name and r["station_name"] == device.station_name)
    ]
    if exact:
        return str(exact[0])
    # A registered scanner entered without serial or station: the same make and model at the site is it, if alone.
    bare = [r["scanner_id"] for r in rows if not r["serial_number"] and not r["station_name"]]
    return str(bare[0]) if len(bare) == 1 and len(rows) == 1 else None
