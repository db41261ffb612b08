"""A site's iCalendar export parses back with the icalendar package and holds its sessions and booked visits."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from imaging_hub.network.capacity import allocate, site_calendar

from .network_fixture import BATCH, FIRST, REGISTER, WEEKS

STAMP = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_the_site_calendar_parses_back_with_every_session_and_visit_at_the_right_time() -> None:
    plan = allocate(BATCH, REGISTER, FIRST, WEEKS)
    slots = REGISTER.slots(FIRST, WEEKS)
    parsed = Calendar.from_ical(site_calendar("B", slots, plan.bookings, STAMP))
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    booked_here = [b for b in plan.bookings if b.site == "B"]
    expected_sessions = {f"session-{s.slot_id}@imaging-hub" for s in slots if s.site == "B"}
    expected_visits = {f"visit-{b.visit_id}@imaging-hub" for b in booked_here}
    assert set(events) == expected_sessions | expected_visits
    assert len(expected_visits) == 3  # v3, v4 and v8 are on B-MR1
    for booking in booked_here:
        event = events[f"visit-{booking.visit_id}@imaging-hub"]
        assert event.decoded("DTSTART") == booking.start
        assert event.decoded("DTEND") == booking.end
        assert f"visit {booking.visit_id}" in str(event["SUMMARY"])
        assert booking.project in str(event["SUMMARY"])
    session = events["session-B-eve@2025-03-05@imaging-hub"]
    assert session.decoded("DTSTART").astimezone(UTC) == datetime(2025, 3, 5, 17, tzinfo=UTC)
    used = sum(b.minutes for b in booked_here if b.slot_id == "B-eve@2025-03-05")
    assert f"({90 - used} min free)" in str(session["SUMMARY"])
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/London"]


def test_no_participant_pseudonym_is_written_to_the_calendar() -> None:
    plan = allocate(BATCH, REGISTER, FIRST, WEEKS)
    text = site_calendar("A", REGISTER.slots(FIRST, WEEKS), plan.bookings, STAMP).decode()
    assert "BEGIN:VCALENDAR" in text and "P1" not in text.replace("PRODID", "")
