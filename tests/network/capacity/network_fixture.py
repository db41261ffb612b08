"""A three-site network (Leeds, Sheffield, York) with two MR scanners, a CT, and a two-week batch of visits."""

from __future__ import annotations

from datetime import date, time

from imaging_hub.network.capacity import CapacityRegister, Scanner, SessionTemplate, SiteLocation, VisitRequest

FIRST = date(2025, 3, 3)  # a Monday
WEEKS = 2

SITES = {
    "A": SiteLocation("A", 53.8008, -1.5491, "Leeds"),
    "B": SiteLocation("B", 53.3811, -1.4701, "Sheffield"),
    "C": SiteLocation("C", 53.9600, -1.0873, "York"),
}
SCANNERS = {
    "A-MR1": Scanner("A-MR1", "A", "MR", "Siemens", "Vida", 3.0, "XA50", frozenset({"contrast", "dwi"}), 60.0),
    "B-MR1": Scanner("B-MR1", "B", "MR", "GE", "Premier", 3.0, "MR30", frozenset({"dwi"}), 50.0),
    "C-CT1": Scanner("C-CT1", "C", "CT", "Canon", "Aquilion", None, "V10", frozenset({"contrast"}), 70.0),
}
TEMPLATES = (
    SessionTemplate("A-eve", "A-MR1", 0, time(17), time(18), added=frozenset({date(2025, 3, 7)})),
    SessionTemplate("B-eve", "B-MR1", 2, time(17), time(18, 30)),
    SessionTemplate("C-am", "C-CT1", 1, time(9), time(10), cancelled=frozenset({date(2025, 3, 11)})),
)
REGISTER = CapacityRegister(SITES, SCANNERS, TEMPLATES)

NEAR_LEEDS = (53.82, -1.58)
NEAR_SHEFFIELD = (53.37, -1.50)


def visit(
    visit_id: str,
    participant: str,
    minutes: int,
    modality: str,
    window: tuple[int, int],
    *,
    capabilities: frozenset[str] = frozenset(),
    home: tuple[float, float] | None = NEAR_LEEDS,
    same_scanner: bool = False,
    previous_scanner: str | None = None,
    timepoint: str = "baseline",
) -> VisitRequest:
    return VisitRequest(
        visit_id=visit_id,
        participant=participant,
        project="BRAIN-AGE",
        timepoint=timepoint,
        minutes=minutes,
        modality=modality,
        earliest=date(2025, 3, window[0]),
        latest=date(2025, 3, window[1]),
        capabilities=capabilities,
        same_scanner=same_scanner,
        previous_scanner=previous_scanner,
        home=home,
    )


DWI = frozenset({"dwi"})
BATCH = [
    visit("v1", "P1", 45, "MR", (3, 14), capabilities=DWI),
    visit("v2", "P2", 45, "MR", (3, 14), capabilities=frozenset({"contrast"}), home=NEAR_SHEFFIELD),
    visit("v3", "P3", 30, "MR", (3, 7), capabilities=DWI, home=NEAR_SHEFFIELD, same_scanner=True),
    visit("v4", "P3", 30, "MR", (10, 14), capabilities=DWI, home=NEAR_SHEFFIELD, same_scanner=True, timepoint="week1"),
    visit("v5", "P5", 30, "CT", (3, 14), capabilities=frozenset({"contrast"}), home=(53.95, -1.10)),
    visit("v6", "P6", 30, "MR", (3, 14), capabilities=frozenset({"spectroscopy"})),
    visit("v7", "P7", 30, "PT", (3, 14)),
    visit("v8", "P8", 30, "MR", (3, 14), capabilities=DWI, previous_scanner="B-MR1"),
    visit("v9", "P9", 60, "MR", (3, 4), capabilities=DWI, home=None),
]
