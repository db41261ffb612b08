"""The demo's network operations: scanners and research sessions at the three sites with a batch of visit
requests allocated by the capacity engine, and a shared reporting worklist routed by the worklist engine.
Inputs are written as the CSV files a network manager would keep, then read back through the engines' readers,
so the demo exercises the same validation as ``imaging-hub capacity allocate`` and ``worklist route``."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.table import Table
from sqlalchemy.engine import Engine

from imaging_hub.demo.rooms.network_hub import fill_hub_room
from imaging_hub.demo.rooms.network_people import fill_people
from imaging_hub.governance import Governance
from imaging_hub.network.capacity import AllocationWeights, allocate, read_register, read_requests, write_plan
from imaging_hub.network.reporting import read_reporters, read_tasks, route, write_assignments

FIRST_DAY = date(2026, 1, 5)  # a Monday: a fixed horizon keeps the demo's plan the same on every run
WEEKS = 3
ROUTED_AT = datetime.fromisoformat("2026-01-05T10:00+00:00")

SITES = """site,name,lat,lon
RX1,Royal Example Hospital,53.8008,-1.5491
RY2,Sample General,53.3811,-1.4701
RZ3,Test Valley University Hospitals,53.7457,-0.3367
"""
SCANNERS = """scanner_id,site,modality,manufacturer,model,field_strength,software_version,capabilities,weekly_hours
RX1-CT1,RX1,CT,ACME Medical,Scanner 3000,,VA40,contrast,70
RX1-MR1,RX1,MR,ACME Medical,Magnet 1500,1.5,XA50,contrast;dwi,60
RY2-MR1,RY2,MR,ACME Medical,Magnet 3000,3,XA60,dwi,55
RZ3-CT1,RZ3,CT,ACME Medical,Scanner 3000,,VA40,contrast,60
"""
SESSIONS = """session_id,scanner_id,weekday,start,end,cancelled,added
RX1-CT-mon,RX1-CT1,Mon,17:00,19:00,,
RX1-MR-wed,RX1-MR1,Wed,17:00,19:00,2026-01-14,
RY2-MR-tue,RY2-MR1,Tue,08:00,10:00,,
RZ3-CT-thu,RZ3-CT1,Thu,17:30,19:00,,2026-01-10
"""
_REQUEST_HEADER = ("visit_id,participant,project,timepoint,minutes,modality,capabilities,earliest,latest,"
                   "same_scanner,previous_scanner,home_lat,home_lon")
TASKS = """task_id,accession,site,modality,body_part,priority,acquired_at,pathway,turnaround_hours,subspecialty,research
W01,DEMO0001,RX1,CT,CHEST,STAT,2026-01-05T09:40+00:00,acute,1,,
W02,DEMO0002,RY2,CT,HEAD,STAT,2026-01-05T09:50+00:00,acute,1,neuro,
W03,DEMO0003,RZ3,MR,HEAD,urgent,2026-01-05T06:00+00:00,urgent,24,neuro,
W04,DEMO0004,RX1,CT,CHEST,urgent,2026-01-04T14:00+00:00,urgent,24,thoracic,
W05,DEMO0005,RY2,MR,KNEE,routine,2026-01-02T09:00+00:00,overflow,168,msk,
W06,DEMO0006,RZ3,CT,CHEST,routine,2026-01-03T11:00+00:00,overflow,168,,
W07,DEMO0007,RX1,CT,ABDOMEN,routine,2026-01-05T08:00+00:00,overflow,168,,
W08,DEMO0008,RZ3,CT,CHEST,routine,2026-01-01T08:00+00:00,trial,336,thoracic,true
W09,DEMO0009,RY2,MR,CHEST,routine,2026-01-01T09:00+00:00,trial,336,thoracic,true
W10,DEMO0010,RZ3,MR,PELVIS,routine,2026-01-05T07:00+00:00,overflow,168,,
"""
REPORTERS = """reporter_id,home_site,sites,subspecialties,sessions,research_sessions,stat_in_hand,workload
dr.ahmed,RX1,RX1;RY2,thoracic,Mon 08:00-17:00,Mon 09:00-12:00,1,2.0
dr.brown,RY2,RY2;RZ3,neuro,Mon 08:00-17:00,,0,3.5
dr.clarke,RZ3,RX1;RY2;RZ3,neuro;msk,Mon 09:00-13:00,Mon 09:00-12:00,0,1.0
dr.davies,RX1,RX1;RZ3,thoracic,Tue 08:00-17:00,,0,0
"""


def _requests(participants: list[str]) -> str:
    """A baseline visit for each participant and a follow-up MR on the same scanner for the first two."""
    rows = [_REQUEST_HEADER]
    homes = [(53.82, -1.58), (53.40, -1.45), (53.74, -0.40), (53.60, -1.00)]
    for index, who in enumerate(participants):
        lat, lon = homes[index % len(homes)]
        modality = "MR" if index % 2 == 0 else "CT"
        capabilities = "contrast" if modality == "CT" else ("dwi" if index % 4 == 0 else "")
        rows.append(f"V{index + 1:02d},{who},LUNG-AI,baseline,{30 if modality == 'MR' else 20},{modality},"
                    f"{capabilities},2026-01-05,2026-01-23,{'true' if index < 2 and modality == 'MR' else ''},,"
                    f"{lat},{lon}")
    return "\n".join(rows) + "\n"


def _reporter_specs(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """Each reporter's roster as typed in the CSV, for the hub's room (which keeps it as text)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    return {r["reporter_id"]: ([s for s in r["sessions"].split(";") if s],
                                [s for s in r["research_sessions"].split(";") if s]) for r in rows}


def run_network(folder: Path, participants: list[str],
                hub: tuple[Engine, Governance] | None = None) -> tuple[list[Table], dict[str, Any]]:
    """``hub``: the hub's database and governance, to keep the demo's operations in its network room too."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = {"sites.csv": SITES, "scanners.csv": SCANNERS, "sessions.csv": SESSIONS,
              "requests.csv": _requests(participants), "tasks.csv": TASKS, "reporters.csv": REPORTERS}
    for name, text in inputs.items():
        (folder / name).write_text(text)
    register = read_register(folder / "sites.csv", folder / "scanners.csv", folder / "sessions.csv")
    visits = read_requests(folder / "requests.csv", register)
    plan = allocate(visits, register, FIRST_DAY, WEEKS, weights=AllocationWeights(1.0, 0.1), time_limit_s=10.0,
                    workers=2)
    write_plan(folder / "plan.csv", plan)
    tasks, reporters = read_tasks(folder / "tasks.csv"), read_reporters(folder / "reporters.csv")
    routed = route(tasks, reporters, ROUTED_AT)
    write_assignments(folder / "assignments.csv", routed.assignments)

    capacity = Table(title=f"Research scan capacity: {len(plan.bookings)} of {len(plan.visits)} visits booked "
                           f"({'optimal' if plan.optimal else 'best found'}), {WEEKS} weeks from {FIRST_DAY}")
    for column in ("visit", "site", "scanner", "start", "wait (days)", "why"):
        capacity.add_column(column)
    for visit in plan.visits:
        booking = visit.booking
        capacity.add_row(visit.visit.visit_id, booking.site if booking else "-", booking.scanner_id if booking else "-",
                         booking.start.strftime("%a %d %b %H:%M") if booking else "-",
                         str((booking.start.date() - FIRST_DAY).days) if booking else "-", visit.reason)
    per_reporter = Counter(a.reporter_id or "unassigned" for a in routed.assignments)
    worklist = Table(title=f"Reporting worklist: {len(routed.assignments)} tasks routed at "
                           f"{ROUTED_AT.isoformat(timespec='minutes')}")
    for column in ("task", "reporter", "why"):
        worklist.add_column(column)
    for assignment in routed.assignments:
        worklist.add_row(assignment.task_id, assignment.reporter_id or "unassigned", assignment.reason)
    worklist.caption = "tasks per reporter: " + ", ".join(f"{r} {n}" for r, n in sorted(per_reporter.items()))
    summary: dict[str, Any] = {
        "capacity": {"visits": len(plan.visits), "booked": len(plan.bookings), "optimal": plan.optimal,
                     "per_site": dict(Counter(b.site for b in plan.bookings)), "plan": "plan.csv"},
        "worklist": {"tasks": len(routed.assignments), "per_reporter": dict(per_reporter),
                     "assignments": "assignments.csv"},
    }
    if hub is not None:
        engine, gov = hub
        summary["hub_room"] = fill_hub_room(engine, gov, register, plan, tasks, reporters, _reporter_specs(REPORTERS),
                                            ROUTED_AT)
        summary["people"] = fill_people(engine, gov, ROUTED_AT)
        summary["pages"] = {"capacity": f"/network/capacity?start={FIRST_DAY.isoformat()}&weeks={WEEKS}",
                            "worklist": "/network/worklist", "dashboards": "/network/reporting"}
    return [capacity, worklist], summary
