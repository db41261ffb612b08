"""The capacity batch's CSV files: sites, scanners, session templates and visit requests in; the plan out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from imaging_hub.network.capacity.allocation import AllocationPlan
from imaging_hub.network.capacity.network import CapacityRegister
from imaging_hub.network.capacity.scanners import Scanner
from imaging_hub.network.capacity.sessions import SessionTemplate
from imaging_hub.network.capacity.sites import SiteLocation
from imaging_hub.network.capacity.visits import VisitRequest
from imaging_hub.network.errors import NetworkInputError
from imaging_hub.network.tabular import Row, read_rows
from imaging_hub.network.week import WEEKDAYS
from imaging_hub.spreadsheet import csv_writer

SITE_COLUMNS = {"site": "site code", "name": "optional, site name", "lat": "latitude", "lon": "longitude"}
SCANNER_COLUMNS = {
    "scanner_id": "unique scanner identifier",
    "site": "site code (in SITES.csv)",
    "modality": "DICOM modality, e.g. MR",
    "manufacturer": "manufacturer",
    "model": "model name",
    "field_strength": "optional, tesla",
    "software_version": "optional",
    "capabilities": "optional, ';'-separated, e.g. contrast;dwi",
    "weekly_hours": "optional, all opening hours a week (base of the research share)",
}
SESSION_COLUMNS = {
    "session_id": "unique research session template identifier",
    "scanner_id": "scanner (in SCANNERS.csv)",
    "weekday": "Mon..Sun",
    "start": "HH:MM local time",
    "end": "HH:MM local time",
    "cancelled": "optional, ';'-separated dates the session does not run",
    "added": "optional, ';'-separated extra dates it runs (same times)",
    "valid_from": "optional, first date",
    "valid_until": "optional, last date",
}
REQUEST_COLUMNS = {
    "visit_id": "unique visit identifier",
    "participant": "the project's participant pseudonym",
    "project": "project",
    "timepoint": "protocol timepoint",
    "minutes": "scanner minutes the visit needs",
    "modality": "DICOM modality",
    "capabilities": "optional, required capabilities, ';'-separated",
    "earliest": "earliest date",
    "latest": "latest date",
    "same_scanner": "optional, true: all this participant's visits in the project on one scanner",
    "previous_scanner": "optional, the scanner earlier visits used",
    "home_lat": "optional, participant's home latitude (e.g. postcode district centroid)",
    "home_lon": "optional, participant's home longitude",
}
PLAN_COLUMNS = (
    "visit_id",
    "project",
    "timepoint",
    "site",
    "scanner_id",
    "slot_id",
    "start",
    "minutes",
    "wait_days",
    "distance_km",
    "reason",
)
T = TypeVar("T")
_OPTIONAL = {
    "name",
    "field_strength",
    "software_version",
    "capabilities",
    "weekly_hours",
    "cancelled",
    "added",
    "valid_from",
    "valid_until",
    "same_scanner",
    "previous_scanner",
    "home_lat",
    "home_lon",
}


def _required(columns: dict[str, str]) -> list[str]:
    return [c for c in columns if c not in _OPTIONAL]


def read_register(sites_csv: Path, scanners_csv: Path, sessions_csv: Path) -> CapacityRegister:
    sites: dict[str, SiteLocation] = {}
    for row in read_rows(sites_csv, _required(SITE_COLUMNS)):
        site = _built(row, "lat", _site)
        _unique(row, "site", site.site, sites)
        sites[site.site] = site
    scanners: dict[str, Scanner] = {}
    for row in read_rows(scanners_csv, _required(SCANNER_COLUMNS)):
        scanner = _built(row, "weekly_hours", _scanner)
        _unique(row, "scanner_id", scanner.scanner_id, scanners)
        if scanner.site not in sites:
            raise row.error("site", f"site {scanner.site} is not in {sites_csv.name}")
        scanners[scanner.scanner_id] = scanner
    templates: list[SessionTemplate] = []
    ids: dict[str, SessionTemplate] = {}
    for row in read_rows(sessions_csv, _required(SESSION_COLUMNS)):
        template = _built(row, "cancelled", _template)
        _unique(row, "session_id", template.session_id, ids)
        if template.scanner_id not in scanners:
            raise row.error("scanner_id", f"scanner {template.scanner_id} is not in {scanners_csv.name}")
        ids[template.session_id] = template
        templates.append(template)
    return CapacityRegister(sites, scanners, tuple(templates))


def read_requests(path: Path, register: CapacityRegister) -> list[VisitRequest]:
    visits: dict[str, VisitRequest] = {}
    for row in read_rows(path, _required(REQUEST_COLUMNS)):
        visit = _built(row, "latest", _visit)
        _unique(row, "visit_id", visit.visit_id, visits)
        if visit.previous_scanner and visit.previous_scanner not in register.scanners:
            raise row.error("previous_scanner", "that scanner is not registered")
        visits[visit.visit_id] = visit
    return list(visits.values())


def write_plan(path: Path, plan: AllocationPlan) -> None:
    """Through ``imaging_hub.spreadsheet``: typed ids and names that would start a formula are defused, the
    minutes, wait and distance stay numbers. The hub never reads a plan back (accepting one posts its form)."""
    partial = path.with_name(path.name + ".part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        writer.writerow(PLAN_COLUMNS)
        for item in plan.visits:
            visit, booking, option = item.visit, item.booking, item.option
            placed: Sequence[object] = ["", "", "", "", "", "", ""]
            if booking is not None and option is not None:
                km = None if option.distance_km is None else round(option.distance_km, 1)  # a number
                placed = [
                    booking.site,
                    booking.scanner_id,
                    booking.slot_id,
                    booking.start.isoformat(),
                    booking.minutes,
                    option.wait_days,
                    km,
                ]
            writer.writerow([visit.visit_id, visit.project, visit.timepoint, *placed, item.reason])
    partial.replace(path)


def _site(row: Row) -> SiteLocation:
    latitude, longitude = row.number_value("lat"), row.number_value("lon")
    if not -90.0 <= latitude <= 90.0:
        raise row.error("lat", "must be within ±90")
    if not -180.0 <= longitude <= 180.0:
        raise row.error("lon", "must be within ±180")
    return SiteLocation(row.text("site"), latitude, longitude, row.optional_text("name") or "")


def _scanner(row: Row) -> Scanner:
    strength = row.optional_text("field_strength")
    hours = row.optional_text("weekly_hours")
    return Scanner(
        scanner_id=row.text("scanner_id"),
        site=row.text("site"),
        modality=row.text("modality").upper(),
        manufacturer=row.text("manufacturer"),
        model=row.text("model"),
        field_strength_t=row.number_value("field_strength", minimum=0.0) if strength else None,
        software_version=row.optional_text("software_version") or "",
        capabilities=row.items("capabilities"),
        weekly_hours=_weekly_hours(row) if hours else None,
    )


def _weekly_hours(row: Row) -> float:
    hours = row.number_value("weekly_hours")
    if not 0.0 < hours <= 168.0:
        raise row.error("weekly_hours", "must be more than 0 and at most 168")
    return hours


def _template(row: Row) -> SessionTemplate:
    day = row.text("weekday").lower()[:3]
    if day not in WEEKDAYS:
        raise row.error("weekday", "expected Mon, Tue, Wed, Thu, Fri, Sat or Sun")
    start, end, cancelled = row.clock_time("start"), row.clock_time("end"), row.days("cancelled")
    if end <= start:
        raise row.error("end", "a research session must end after it starts, on the same day")
    if any(d.weekday() != WEEKDAYS.index(day) for d in cancelled):
        raise row.error("cancelled", "a cancelled date is not on the session's weekday")
    return SessionTemplate(
        session_id=row.text("session_id"),
        scanner_id=row.text("scanner_id"),
        weekday=WEEKDAYS.index(day),
        start=start,
        end=end,
        cancelled=cancelled,
        added=row.days("added"),
        valid_from=row.optional_day("valid_from"),
        valid_until=row.optional_day("valid_until"),
    )


def _visit(row: Row) -> VisitRequest:
    lat, lon = row.optional_text("home_lat"), row.optional_text("home_lon")
    if (lat is None) != (lon is None):
        raise row.error("home_lon" if lon is None else "home_lat", "give both home_lat and home_lon, or neither")
    earliest, latest = row.day("earliest"), row.day("latest")
    if latest < earliest:
        raise row.error("latest", "is before the earliest date")
    home = (row.number_value("home_lat"), row.number_value("home_lon")) if lat is not None else None
    if home is not None and not (-90.0 <= home[0] <= 90.0 and -180.0 <= home[1] <= 180.0):
        raise row.error("home_lat", "home coordinates are out of range")
    return VisitRequest(
        visit_id=row.text("visit_id"),
        participant=row.text("participant"),
        project=row.text("project"),
        timepoint=row.text("timepoint"),
        minutes=row.integer("minutes", minimum=1),
        modality=row.text("modality").upper(),
        earliest=earliest,
        latest=latest,
        capabilities=row.items("capabilities"),
        same_scanner=row.boolean("same_scanner"),
        previous_scanner=row.optional_text("previous_scanner"),
        home=home,
    )


def _built(row: Row, column: str, build: Callable[[Row], T]) -> T:
    """Build a record; a domain rule it breaks is reported at this row (cell errors name their own column)."""
    try:
        return build(row)
    except NetworkInputError as exc:
        if str(exc).startswith(f"{row.source} row"):
            raise
        raise row.error(column, str(exc)) from None


def _unique(row: Row, column: str, key: str, seen: Mapping[str, object]) -> None:
    if key in seen:
        raise row.error(column, "repeats an earlier row")
