"""A governed hub with the network room filled in: sites RXX and RYY, scanners and sessions, two reporters
linked to the test network's accounts, and FHIR bundles to post."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from imaging_hub.network.capacity import Booking, Scanner, SessionTemplate, SiteLocation
from imaging_hub.network.operations import Actor, NetworkRoom
from imaging_hub.network.reporting import Reporter, parse_session
from network.reporting.test_fhir import IMAGING_STUDY, SERVICE_REQUEST

SYSTEM_MANAGER = Actor("system", kind="system", manager=True)
REPORTER_EMAIL = "res@uni.example"  # the researcher of the test network also reports for it
ALWAYS = [f"{day} 00:00-23:59" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]


def fill(room: NetworkRoom) -> None:
    room.add_site(SYSTEM_MANAGER, SiteLocation("RXX", 53.80, -1.55, "Northtown"))
    room.add_site(SYSTEM_MANAGER, SiteLocation("RYY", 53.38, -1.47, "Southvale"))
    room.register_scanner(
        SYSTEM_MANAGER, Scanner("RXX-MR1", "RXX", "MR", "ACME", "Magnet 1500", 1.5, "XA50", frozenset({"dwi"}), 60)
    )
    room.register_scanner(
        SYSTEM_MANAGER,
        Scanner("RYY-CT1", "RYY", "CT", "ACME", "Scanner 3000", None, "VA40", frozenset({"contrast"}), 70),
    )
    room.add_session(SYSTEM_MANAGER, SessionTemplate("RXX-MR-tue", "RXX-MR1", 1, time(17), time(19)))
    room.add_session(SYSTEM_MANAGER, SessionTemplate("RYY-CT-thu", "RYY-CT1", 3, time(17), time(20)))
    today = room.now().date()
    tuesday = today - timedelta(days=today.weekday()) + timedelta(days=1)
    slot = f"RXX-MR-tue@{tuesday.isoformat()}"
    session_start = next(s for s in room.register().slots(tuesday, 1) if s.slot_id == slot).start
    room.book(SYSTEM_MANAGER, Booking("V1", slot, "RXX-MR1", "RXX", session_start, 45, "LUNG1", "baseline"))
    for reporter_id, account, home, subs in (
        ("dr.res", REPORTER_EMAIL, "RXX", {"neuro", "thoracic"}),
        ("dr.lead", "lead@uni.example", "RYY", {"neuro"}),
    ):
        room.add_reporter(
            SYSTEM_MANAGER,
            Reporter(reporter_id, home, frozenset({"RXX", "RYY"}), frozenset(subs)),
            account,
            sessions=ALWAYS,
            research_sessions=ALWAYS,
        )


def bundle(
    task_id: str,
    site: str = "RXX",
    *,
    hours_ago: float = 2.0,
    pathway: str = "trial",
    priority: str = "urgent",
    blinded: bool = True,
) -> dict[str, Any]:
    request = copy.deepcopy(SERVICE_REQUEST)
    study = copy.deepcopy(IMAGING_STUDY)
    request["id"], request["priority"] = task_id, priority
    request["category"][1]["coding"][0]["code"] = pathway
    request["extension"][0]["valueBoolean"] = blinded
    study["id"] = f"is-{task_id}"
    study["basedOn"] = [{"reference": f"ServiceRequest/{task_id}"}]
    study["location"]["identifier"]["value"] = site
    study["started"] = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": request}, {"resource": study}]}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


__all__ = ["ALWAYS", "REPORTER_EMAIL", "SYSTEM_MANAGER", "bundle", "fill", "monday", "parse_session"]
