"""The network room at the hub: its own tables and migration chain, the register, bookings, and every worklist
step persisted and audited (refusals included), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from imaging_hub.database import create_engine
from imaging_hub.network import NetworkInputError
from imaging_hub.network.capacity import Booking, Scanner, SessionTemplate, SiteLocation
from imaging_hub.network.operations import (
    VERSION_TABLE,
    Actor,
    AuditEntry,
    DeviceSeen,
    NetworkNotFound,
    NetworkRefused,
    NetworkRoom,
)
from imaging_hub.network.reporting import Action, Pathway, Priority, ReportingTask, TaskStatus, TransitionRefused
from network.reporting.builders import AT, reporter

MANAGER = Actor("manager@example.org", manager=True)
AHMED = Actor("ahmed@example.org")
BROWN = Actor("brown@example.org")
SITE_A = Actor("dm@a.example.org", sites=frozenset({"A"}))
DAY = Pathway("overflow", timedelta(hours=24))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = create_engine(database_url)
    yield made
    made.dispose()


@pytest.fixture
def audit() -> list[AuditEntry]:
    return []


@pytest.fixture
def room(engine: Engine, audit: list[AuditEntry]) -> NetworkRoom:
    opened = NetworkRoom.open(engine, audit=audit.append, clock=lambda: AT)
    opened.add_site(MANAGER, SiteLocation("A", 53.80, -1.55, "Site A"))
    opened.add_site(MANAGER, SiteLocation("B", 53.38, -1.47, "Site B"))
    opened.add_reporter(MANAGER, reporter("ahmed", sites=("A",)), "Ahmed@example.org", sessions=["Mon 08:00-18:00"])
    opened.add_reporter(
        MANAGER, reporter("brown", home="B", sites=("B",)), "brown@example.org", sessions=["Mon 08:00-18:00"]
    )
    return opened


def _task(task_id: str, site: str = "A", priority: Priority = Priority.ROUTINE) -> ReportingTask:
    return ReportingTask(task_id, f"ACC-{task_id}", site, "CT", "CHEST", priority, AT - timedelta(hours=2), DAY)


def test_own_chain_and_version_table(engine: Engine, room: NetworkRoom) -> None:
    NetworkRoom.open(engine)  # a second open is a no-op at head
    names = sa.inspect(engine).get_table_names()
    assert VERSION_TABLE in names
    assert {"net_op_scanner", "net_op_task", "net_op_worklist_event", "net_op_booking"} <= set(names)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == "0002"


def test_worklist_steps_are_stored_and_audited(room: NetworkRoom, audit: list[AuditEntry]) -> None:
    room.create_task(SITE_A, _task("T1"))
    assert room.claim(AHMED, "T1").status is TaskStatus.CLAIMED
    assert room.release(AHMED, "T1", "handing over").status is TaskStatus.OPEN
    room.claim(AHMED, "T1")
    room.reassign(MANAGER, "T1", "brown", "cover while on leave")
    assert room.task("T1").state.reporter_id == "brown"
    room.reassign(MANAGER, "T1", "ahmed", "back")
    room.claim(AHMED, "T1")
    state = room.report(AHMED, "T1", "No acute abnormality.", "Normal")
    assert state.status is TaskStatus.REPORTED
    view = room.task("T1")
    assert (view.report_text, view.report_conclusion, view.state.reporter_id) == (
        "No acute abnormality.",
        "Normal",
        "ahmed",
    )
    steps = [e.action for e in room.events("T1")]
    assert steps == [
        Action.OPEN,
        Action.CLAIM,
        Action.RELEASE,
        Action.CLAIM,
        Action.REASSIGN,
        Action.REASSIGN,
        Action.CLAIM,
        Action.REPORT,
    ]
    audited = [e.action for e in audit if e.entity_id == "T1"]
    assert audited == [
        "network.task.create",
        "network.worklist.claim",
        "network.worklist.release",
        "network.worklist.claim",
        "network.worklist.reassign",
        "network.worklist.reassign",
        "network.worklist.claim",
        "network.worklist.report",
    ]
    assert all(e.outcome == "success" for e in audit)
    assert not any("ACC-T1" in str(e.detail) for e in audit)  # the accession never reaches the trail


def test_refusals_are_audited_and_change_nothing(room: NetworkRoom, audit: list[AuditEntry]) -> None:
    room.create_task(MANAGER, _task("T1"))
    with pytest.raises(NetworkRefused, match="not credentialed for site A"):
        room.claim(BROWN, "T1")
    with pytest.raises(NetworkRefused, match="not a reporter"):
        room.claim(SITE_A, "T1")
    with pytest.raises(NetworkRefused, match="network manager"):
        room.reassign(AHMED, "T1", "brown", "mine")
    with pytest.raises(TransitionRefused, match="claimed before it is reported"):
        room.report(AHMED, "T1", "text")
    with pytest.raises(NetworkRefused, match="data manager of site B"):
        room.create_task(SITE_A, _task("T2", site="B"))
    assert room.task("T1").state.status is TaskStatus.OPEN and room.task("T1").state.version == 0
    denied = [e.action for e in audit if e.outcome == "denied"]
    assert denied == [
        "network.worklist.claim",
        "network.worklist.claim",
        "network.worklist.reassign",
        "network.worklist.report",
        "network.task.create",
    ]
    refused_events = [e for e in room.events("T1") if not e.allowed]
    assert [e.action for e in refused_events] == [Action.REPORT]  # the engine's own refusal is in the table too
    with pytest.raises(NetworkNotFound):
        room.task("T2")


def test_a_report_needs_text_and_nothing_partial_is_stored(room: NetworkRoom) -> None:
    room.create_task(MANAGER, _task("T1"))
    room.claim(AHMED, "T1")
    with pytest.raises(NetworkInputError, match="needs its text"):
        room.report(AHMED, "T1", "   ")
    assert room.task("T1").state.status is TaskStatus.CLAIMED and room.task("T1").report_text is None


def test_routing_open_tasks_assigns_only_eligible_and_counts_load(room: NetworkRoom, audit: list[AuditEntry]) -> None:
    room.create_task(MANAGER, _task("T1", "A", Priority.STAT))
    room.create_task(MANAGER, _task("T2", "B"))
    plan = {task: who for task, who, _ in room.route_open(MANAGER, AT)}
    assert plan == {"T1": "ahmed", "T2": "brown"}
    loads = {v.reporter.reporter_id: v.reporter.load for v in room.reporters()}
    assert loads["ahmed"].stat_in_hand == 1 and loads["brown"].stat_in_hand == 0
    assert loads["brown"].workload == pytest.approx(1.0)
    assigned = [e for e in audit if e.action == "network.worklist.assign"]
    assert {e.entity_id for e in assigned} == {"T1", "T2"}
    with pytest.raises(NetworkRefused):
        room.route_open(AHMED, AT)


def test_bookings_fit_their_slot(room: NetworkRoom) -> None:
    room.register_scanner(MANAGER, Scanner("A-MR1", "A", "MR", "ACME", "Magnet", 1.5, "XA50", frozenset({"dwi"})))
    room.add_session(SITE_A, SessionTemplate("A-MR-mon", "A-MR1", 0, time(17), time(18)))
    day = date(2025, 3, 3)
    start = datetime(2025, 3, 3, 17, tzinfo=UTC)
    room.book(SITE_A, Booking("V1", f"A-MR-mon@{day}", "A-MR1", "A", start, 45, "P1", "baseline"))
    with pytest.raises(NetworkInputError, match="15 minutes free"):
        room.book(SITE_A, Booking("V2", f"A-MR-mon@{day}", "A-MR1", "A", start, 30))
    with pytest.raises(NetworkInputError, match="does not fit"):
        room.book(SITE_A, Booking("V2", f"A-MR-mon@{day}", "A-MR1", "A", start + timedelta(minutes=45), 30))
    with pytest.raises(NetworkInputError, match="not a session"):
        room.book(SITE_A, Booking("V3", "nope@2025-03-03", "A-MR1", "A", start, 10))
    assert [b.visit_id for b in room.bookings()] == ["V1"]
    register = room.register()
    assert list(register.scanners) == ["A-MR1"] and [t.session_id for t in register.templates] == ["A-MR-mon"]


def test_scanners_seen_in_arriving_data_are_proposed_once(room: NetworkRoom) -> None:
    room.register_scanner(MANAGER, Scanner("A-CT1", "A", "CT", "ACME", "Scanner 3000"), serial_number="S1")
    known = DeviceSeen("A", "CT", "ACME", "Scanner 3000", serial_number="S1")
    new = DeviceSeen("A", "MR", "ACME", "Magnet 1500", station_name="MRI-EAST", field_strength_t=1.5)
    assert room.device_seen(known) == "A-CT1"
    proposed = room.device_seen(new)
    assert proposed is not None and proposed.startswith("A-MR-proposed-")
    assert room.device_seen(new) == proposed
    assert room.device_seen(DeviceSeen("A", "MR", "ACME", "")) is None  # cannot be told apart: not proposed
    rows = room.proposals()
    assert [(r["scanner_id"], r["series_seen"], r["station_name"]) for r in rows] == [(proposed, 2, "MRI-EAST")]
    assert "MRI-EAST" not in proposed
    room.register_scanner(MANAGER, Scanner(proposed, "A", "MR", "ACME", "Magnet 1500", 1.5))
    assert room.proposals() == [] and room.device_seen(new) == proposed
