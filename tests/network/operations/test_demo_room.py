"""The demo keeps its network operations in the hub's room: the register, the allocated bookings, reporters and
the routed worklist with the reports of those assigned, so the pages show the engines' numbers; a second run
changes nothing."""

from __future__ import annotations

from pathlib import Path

from imaging_hub.database import create_engine
from imaging_hub.demo.rooms.network import run_network
from imaging_hub.demo.rooms.network_hub import REPORTED
from imaging_hub.governance import AuditFilter, Governance
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.network.reporting import TaskStatus


def test_demo_fills_the_hub_room_once(tmp_path: Path) -> None:
    gov = Governance.open(f"sqlite:///{tmp_path / 'gov.sqlite3'}")
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    try:
        _, summary = run_network(tmp_path / "network", [f"P{n:03d}" for n in range(6)], (engine, gov))
        held = summary["hub_room"]
        assert held["bookings"] == summary["capacity"]["booked"] and held["scanners"] == 4
        assert held["tasks"] == 10 and held["reporters"] == 4
        room = NetworkRoom.open(engine)
        assigned = {v.task.task_id: v.state.reporter_id for v in room.tasks()}
        routed = summary["worklist"]["per_reporter"]
        assert sum(1 for r in assigned.values() if r) == sum(n for r, n in routed.items() if r != "unassigned")
        reported = [v for v in room.tasks() if v.state.status is TaskStatus.REPORTED]
        assert held["reported"] == len(reported) == sum(1 for t in REPORTED if assigned[t]) >= 1
        assert all(v.reported_at is not None and v.reported_at > v.task.acquired_at for v in reported)
        assert gov.audit.entries(AuditFilter(action="network.worklist.report", limit=10))
        _, again = run_network(tmp_path / "network", [f"P{n:03d}" for n in range(6)], (engine, gov))
        assert again["hub_room"] == held
    finally:
        engine.dispose()
        gov.close()
