"""The demo's network operations kept at the hub, so the hub's pages show them: the register, the allocated
bookings, the reporters (linked to demo accounts where one exists) and the worklist, routed and partly reported.

The demo's times are fixed (January 2026), so the room is filled on a clock that walks through that morning:
the numbers on the pages (utilisation, waits, turnaround, breaches, workload) are the engines' own, and the same
on every run. Everything goes through the room as a network manager, audited in the hub's trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from imaging_hub.api import network_audit
from imaging_hub.governance import Governance
from imaging_hub.network.capacity import AllocationPlan, CapacityRegister
from imaging_hub.network.operations import Actor, NetworkRoom
from imaging_hub.network.reporting import Reporter, ReportingTask

DEMO_MANAGER = Actor("demo network manager", kind="system", manager=True)
# Demo reporters who can sign in: the project lead also reports for the network.
ACCOUNTS = {"dr.ahmed": "lead@university.example"}
REPORTED = ("W04", "W05", "W06")  # read during the demo morning, so turnaround has numbers


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def fill_hub_room(
    engine: Engine,
    gov: Governance,
    register: CapacityRegister,
    plan: AllocationPlan,
    tasks: Sequence[ReportingTask],
    reporters: Sequence[Reporter],
    reporter_specs: dict[str, tuple[list[str], list[str]]],
    routed_at: datetime,
) -> dict[str, int]:
    """Fill the room once (a second run finds it filled and changes nothing); returns what it holds."""
    clock = _Clock(routed_at - timedelta(days=7))
    room = NetworkRoom.open(engine, audit=network_audit(gov), clock=clock)
    if room.sites():
        return _held(room)
    for site in register.sites.values():
        room.add_site(DEMO_MANAGER, site)
    for scanner in register.scanners.values():
        room.register_scanner(DEMO_MANAGER, scanner)
    for template in register.templates:
        room.add_session(DEMO_MANAGER, template)
    for booking in plan.bookings:
        room.book(DEMO_MANAGER, booking)
    for reporter in reporters:
        sessions, research = reporter_specs[reporter.reporter_id]
        account = ACCOUNTS.get(reporter.reporter_id, f"{reporter.reporter_id}@reporters.network.example")
        room.add_reporter(DEMO_MANAGER, reporter, account, sessions=sessions, research_sessions=research)
    for task in tasks:
        clock.now = task.acquired_at + timedelta(minutes=5)
        room.create_task(DEMO_MANAGER, task)
    clock.now = routed_at
    room.route_open(DEMO_MANAGER, routed_at)
    accounts = {v.reporter.reporter_id: v.account for v in room.reporters()}
    for minutes, task_id in enumerate(REPORTED, start=1):
        holder = room.task(task_id).state.reporter_id
        if holder is None:
            continue
        reader = Actor(accounts[holder])
        clock.now = routed_at + timedelta(minutes=20 * minutes)
        room.claim(reader, task_id)
        clock.now += timedelta(minutes=15)
        room.report(reader, task_id, "Demo report: no acute abnormality.", "Normal")
    return _held(room)


def _held(room: NetworkRoom) -> dict[str, int]:
    views = room.tasks()
    return {
        "scanners": len(room.scanners()),
        "bookings": len(room.bookings()),
        "reporters": len(room.reporters()),
        "tasks": len(views),
        "reported": sum(v.report_text is not None for v in views),
    }
