"""iCalendar (RFC 5545) export of one site's research sessions and booked visits, with the icalendar package.

Events carry the project, timepoint and visit id, never the participant: a calendar travels widely.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from imaging_hub.network.capacity.bookings import Booking, free_minutes
from imaging_hub.network.capacity.sessions import Slot

PRODUCT_ID = "-//Imaging Hub//Research scan capacity//EN"
UID_DOMAIN = "imaging-hub"


def site_calendar(site: str, slots: Sequence[Slot], bookings: Sequence[Booking], stamp: datetime) -> bytes:
    """The site's calendar; ``stamp`` (DTSTAMP) is when it was produced."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Research scanning at {site}")
    mine = [s for s in slots if s.site == site]
    free = free_minutes(mine, bookings)
    for slot in mine:
        event = Event()
        event.add("uid", f"session-{slot.slot_id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", slot.start)
        event.add("dtend", slot.end)
        event.add("summary", f"Research session on {slot.scanner_id} ({free[slot.slot_id]} min free)")
        event.add("categories", ["Research session"])
        event.add("transp", "TRANSPARENT")  # the session is a container; the visits in it are the busy time
        calendar.add_component(event)
    for booking in (b for b in bookings if b.site == site):
        event = Event()
        event.add("uid", f"visit-{booking.visit_id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", booking.start)
        event.add("dtend", booking.end)
        event.add("summary", f"Research scan: {booking.project} {booking.timepoint} (visit {booking.visit_id})")
        event.add("location", booking.scanner_id)
        event.add("categories", ["Research visit"])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
