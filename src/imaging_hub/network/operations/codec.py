"""Rows of the room's tables to the engines' objects and back. Times: naive UTC in the database, aware outside."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import RowMapping

from imaging_hub.network.capacity import Booking, Scanner, SessionTemplate, SiteLocation
from imaging_hub.network.reporting import (
    Pathway,
    Priority,
    Reporter,
    ReportingTask,
    TaskState,
    TaskStatus,
    parse_session,
)


def stored(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def site_row(site: SiteLocation) -> dict[str, Any]:
    return {"site": site.site, "name": site.name, "latitude": site.latitude, "longitude": site.longitude}


def site_of(row: RowMapping) -> SiteLocation:
    return SiteLocation(row["site"], row["latitude"], row["longitude"], row["name"])


def scanner_row(scanner: Scanner) -> dict[str, Any]:
    return {
        "scanner_id": scanner.scanner_id,
        "site": scanner.site,
        "modality": scanner.modality,
        "manufacturer": scanner.manufacturer,
        "model": scanner.model,
        "field_strength_t": scanner.field_strength_t,
        "software_version": scanner.software_version,
        "capabilities": json.dumps(sorted(scanner.capabilities)),
        "weekly_hours": scanner.weekly_hours,
    }


def scanner_of(row: RowMapping) -> Scanner:
    return Scanner(
        row["scanner_id"],
        row["site"],
        row["modality"],
        row["manufacturer"],
        row["model"],
        row["field_strength_t"],
        row["software_version"],
        frozenset(json.loads(row["capabilities"])),
        row["weekly_hours"],
    )


def session_row(template: SessionTemplate) -> dict[str, Any]:
    return {
        "session_id": template.session_id,
        "scanner_id": template.scanner_id,
        "weekday": template.weekday,
        "start": template.start.strftime("%H:%M"),
        "end": template.end.strftime("%H:%M"),
        "cancelled": json.dumps(sorted(d.isoformat() for d in template.cancelled)),
        "added": json.dumps(sorted(d.isoformat() for d in template.added)),
        "valid_from": template.valid_from,
        "valid_until": template.valid_until,
    }


def session_of(row: RowMapping) -> SessionTemplate:
    return SessionTemplate(
        row["session_id"],
        row["scanner_id"],
        row["weekday"],
        time.fromisoformat(row["start"]),
        time.fromisoformat(row["end"]),
        frozenset(map(date.fromisoformat, json.loads(row["cancelled"]))),
        frozenset(map(date.fromisoformat, json.loads(row["added"]))),
        row["valid_from"],
        row["valid_until"],
    )


def booking_row(booking: Booking) -> dict[str, Any]:
    return {
        "visit_id": booking.visit_id,
        "slot_id": booking.slot_id,
        "scanner_id": booking.scanner_id,
        "site": booking.site,
        "start": stored(booking.start),
        "minutes": booking.minutes,
        "project": booking.project,
        "timepoint": booking.timepoint,
        "participant": booking.participant,
    }


def booking_of(row: RowMapping) -> Booking:
    return Booking(
        row["visit_id"],
        row["slot_id"],
        row["scanner_id"],
        row["site"],
        aware(row["start"]),
        row["minutes"],
        row["project"],
        row["timepoint"],
        row["participant"],
    )


def reporter_row(reporter: Reporter, account: str, specs: Mapping[str, list[str]]) -> dict[str, Any]:
    """``specs``: the roster as typed ('Mon 08:00-17:00'), kept as text so it reads back the same."""
    return {
        "reporter_id": reporter.reporter_id,
        "account": account,
        "home_site": reporter.home_site,
        "credentialed_sites": json.dumps(sorted(reporter.credentialed_sites)),
        "subspecialties": json.dumps(sorted(reporter.subspecialties)),
        "sessions": json.dumps(specs.get("sessions", [])),
        "research_sessions": json.dumps(specs.get("research_sessions", [])),
        "share_targets": json.dumps(dict(reporter.share_targets)),
    }


def reporter_of(row: RowMapping | Mapping[str, Any]) -> Reporter:
    return Reporter(
        row["reporter_id"],
        row["home_site"],
        frozenset(json.loads(row["credentialed_sites"])),
        frozenset(json.loads(row["subspecialties"])),
        tuple(parse_session(s) for s in json.loads(row["sessions"])),
        tuple(parse_session(s) for s in json.loads(row["research_sessions"])),
        json.loads(row["share_targets"]),
    )


def task_row(task: ReportingTask) -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "accession": task.accession,
        "site": task.site,
        "modality": task.modality,
        "body_part": task.body_part,
        "priority": int(task.priority),
        "acquired_at": stored(task.acquired_at),
        "pathway": task.pathway.name,
        "turnaround_minutes": int(task.pathway.turnaround.total_seconds() // 60),
        "research": task.research,
        "subspecialty": task.subspecialty,
        "blinded": task.blinded,
    }


def task_of(row: RowMapping) -> ReportingTask:
    pathway = Pathway(row["pathway"], timedelta(minutes=row["turnaround_minutes"]), bool(row["research"]))
    return ReportingTask(
        row["task_id"],
        row["accession"],
        row["site"],
        row["modality"],
        row["body_part"],
        Priority(row["priority"]),
        aware(row["acquired_at"]),
        pathway,
        row["subspecialty"],
        bool(row["blinded"]),
    )


def state_of(row: RowMapping) -> TaskState:
    since = row["since"]
    return TaskState(
        row["task_id"], TaskStatus(row["status"]), row["reporter_id"], aware(since) if since else None, row["version"]
    )
