"""The register's actions at the hub: a site's data manager confirms, dismisses and edits its scanners, publishes
sessions with dates and cancels one date; an allocation plan is stored whole or not at all; every refusal audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.engine import Engine

from imaging_hub.database import create_engine
from imaging_hub.network import NetworkInputError
from imaging_hub.network.capacity import Booking, Scanner, SessionTemplate, SiteLocation
from imaging_hub.network.operations import Actor, AuditEntry, DeviceSeen, NetworkNotFound, NetworkRefused, NetworkRoom
from network.reporting.builders import AT

MANAGER = Actor("manager@example.org", manager=True)
SITE_A = Actor("dm@a.example.org", sites=frozenset({"A"}))
SITE_B = Actor("dm@b.example.org", sites=frozenset({"B"}))
MONDAY = date(2025, 3, 3)


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
    opened.register_scanner(SITE_A, Scanner("A-MR1", "A", "MR", "ACME", "Magnet", 1.5, "XA50", frozenset({"dwi"})))
    return opened


def _denied(audit: list[AuditEntry], action: str) -> list[AuditEntry]:
    return [e for e in audit if e.action == f"network.{action}" and e.outcome == "denied"]


def test_a_site_confirms_or_dismisses_its_proposals_only(room: NetworkRoom, audit: list[AuditEntry]) -> None:
    first = room.device_seen(DeviceSeen("A", "CT", "ACME", "Scanner 3000", serial_number="S1"))
    second = room.device_seen(DeviceSeen("A", "US", "ACME", "Echo", serial_number="S2"))
    assert first and second
    with pytest.raises(NetworkRefused):
        room.register_scanner(SITE_B, Scanner(first, "A", "CT", "ACME", "Scanner 3000"))
    room.register_scanner(SITE_A, Scanner(first, "A", "CT", "ACME", "Scanner 3000", None, "VA40"))
    with pytest.raises(NetworkRefused):
        room.dismiss_proposal(SITE_B, second)
    room.dismiss_proposal(SITE_A, second)
    assert room.proposals() == [] and [s.scanner_id for s in room.scanners()] == sorted(["A-MR1", first])
    assert room.device_seen(DeviceSeen("A", "US", "ACME", "Echo", serial_number="S2")) == second  # not again
    with pytest.raises(NetworkNotFound):
        room.dismiss_proposal(SITE_A, second)
    with pytest.raises(NetworkInputError, match="dismissed"):
        room.register_scanner(SITE_A, Scanner(second, "A", "US", "ACME", "Echo"))
    assert len(_denied(audit, "scanner.register")) == 2 and len(_denied(audit, "scanner.dismiss")) == 2


def test_editing_a_scanner_keeps_its_site(room: NetworkRoom, audit: list[AuditEntry]) -> None:
    edited = Scanner("A-MR1", "A", "MR", "ACME", "Magnet", 3.0, "XA60", frozenset({"dwi", "spectroscopy"}))
    room.update_scanner(SITE_A, edited)
    assert room.scanner("A-MR1") == edited
    with pytest.raises(NetworkRefused):
        room.update_scanner(SITE_B, edited)
    with pytest.raises(NetworkInputError, match="another site"):
        room.update_scanner(MANAGER, Scanner("A-MR1", "B", "MR", "ACME", "Magnet"))
    with pytest.raises(NetworkNotFound):
        room.update_scanner(MANAGER, Scanner("NOPE", "A", "MR", "ACME", "Magnet"))
    assert room.scanner("A-MR1") == edited
    assert [e.outcome for e in audit if e.action == "network.scanner.edit"] == ["success", "denied", "denied", "denied"]


def test_sessions_run_between_their_dates_and_one_date_can_be_cancelled(
    room: NetworkRoom, audit: list[AuditEntry]
) -> None:
    weekly = SessionTemplate("A-mon", "A-MR1", 0, time(17), time(19), valid_from=MONDAY, valid_until=date(2025, 3, 24))
    room.add_session(SITE_A, weekly)
    with pytest.raises(NetworkRefused):
        room.add_session(SITE_B, SessionTemplate("B-mon", "A-MR1", 0, time(17), time(19)))
    with pytest.raises(NetworkNotFound):
        room.add_session(SITE_A, SessionTemplate("X-mon", "NOPE", 0, time(17), time(19)))
    assert [s.day for s in room.register().slots(date(2025, 2, 24), 6)] == [
        date(2025, 3, 3),
        date(2025, 3, 10),
        date(2025, 3, 17),
        date(2025, 3, 24),
    ]
    start = datetime(2025, 3, 10, 17, tzinfo=UTC)
    room.book(SITE_A, Booking("V1", "A-mon@2025-03-10", "A-MR1", "A", start, 30, "P", "t0", "PX-001"))
    with pytest.raises(NetworkInputError, match="booked"):
        room.cancel_session_date(SITE_A, "A-mon", date(2025, 3, 10))
    with pytest.raises(NetworkInputError, match="does not run"):
        room.cancel_session_date(SITE_A, "A-mon", date(2025, 3, 11))
    with pytest.raises(NetworkRefused):
        room.cancel_session_date(SITE_B, "A-mon", date(2025, 3, 17))
    room.cancel_session_date(SITE_A, "A-mon", date(2025, 3, 17))
    assert date(2025, 3, 17) not in [s.day for s in room.register().slots(date(2025, 2, 24), 6)]
    assert room.bookings()[0].participant == "PX-001"
    assert len(_denied(audit, "session.cancel")) == 3 and len(_denied(audit, "session.add")) == 2


def test_a_plan_is_stored_whole_or_not_at_all(room: NetworkRoom, audit: list[AuditEntry]) -> None:
    room.add_session(SITE_A, SessionTemplate("A-mon", "A-MR1", 0, time(17), time(18)))
    start = datetime(2025, 3, 3, 17, tzinfo=UTC)
    slot = "A-mon@2025-03-03"
    fits = Booking("V1", slot, "A-MR1", "A", start, 40, "P", "t0", "PX-1")
    too_much = Booking("V2", slot, "A-MR1", "A", start.replace(minute=40), 30, "P", "t0", "PX-2")
    with pytest.raises(NetworkRefused):
        room.book_plan(SITE_A, [fits])
    with pytest.raises(NetworkInputError):
        room.book_plan(MANAGER, [fits, too_much])
    assert room.bookings() == []
    room.book_plan(MANAGER, [fits])
    assert [b.visit_id for b in room.bookings()] == ["V1"]
    assert len(_denied(audit, "booking.plan")) == 2
    assert any(e.action == "network.booking.add" and e.entity_id == "V1" for e in audit)
