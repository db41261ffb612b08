"""The network room's tables (prefix ``net_op``), kept by their own Alembic history beside the catalogue's.

Times are stored as naive UTC and made aware again when read. Lists (sites, subspecialties, sessions) are JSON
text: they are read whole with their row and never queried inside.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Float, ForeignKey, Integer, MetaData, String, Table, Text

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
    }
)

site = Table(
    "net_op_site",
    metadata,
    Column("site", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
)

scanner = Table(
    "net_op_scanner",
    metadata,
    Column("scanner_id", String(64), primary_key=True),
    Column("site", String(32), nullable=False, index=True),
    Column("modality", String(16), nullable=False),
    Column("manufacturer", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("field_strength_t", Float),
    Column("software_version", String(200), nullable=False, default=""),
    Column("capabilities", Text, nullable=False, default="[]"),
    Column("weekly_hours", Float),
    Column("station_name", String(64), nullable=False, default=""),
    Column("serial_number", String(64), nullable=False, default=""),
    Column("status", String(16), nullable=False),  # registered | proposed
    Column("first_seen", DateTime),  # proposals: when the first series from it arrived
    Column("series_seen", Integer, nullable=False, default=0),
)

session = Table(
    "net_op_session",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("scanner_id", String(64), ForeignKey("net_op_scanner.scanner_id"), nullable=False, index=True),
    Column("weekday", Integer, nullable=False),
    Column("start", String(5), nullable=False),  # HH:MM, network local time
    Column("end", String(5), nullable=False),
    Column("cancelled", Text, nullable=False, default="[]"),
    Column("added", Text, nullable=False, default="[]"),
    Column("valid_from", Date),
    Column("valid_until", Date),
)

booking = Table(
    "net_op_booking",
    metadata,
    Column("visit_id", String(64), primary_key=True),
    Column("slot_id", String(100), nullable=False, index=True),
    Column("scanner_id", String(64), nullable=False),
    Column("site", String(32), nullable=False),
    Column("start", DateTime, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("project", String(64), nullable=False, default=""),
    Column("timepoint", String(64), nullable=False, default=""),
    Column("participant", String(64), nullable=False, default="", server_default=""),  # the project's pseudonym
    Column("booked_by", String(320), nullable=False),
    Column("booked_at", DateTime, nullable=False),
)

reporter = Table(
    "net_op_reporter",
    metadata,
    Column("reporter_id", String(64), primary_key=True),
    Column("account", String(320), nullable=False, index=True),  # the person's sign-in email
    Column("home_site", String(32), nullable=False),
    Column("credentialed_sites", Text, nullable=False),
    Column("subspecialties", Text, nullable=False, default="[]"),
    Column("sessions", Text, nullable=False, default="[]"),
    Column("research_sessions", Text, nullable=False, default="[]"),
    Column("share_targets", Text, nullable=False, default="{}"),
)

task = Table(
    "net_op_task",
    metadata,
    Column("task_id", String(64), primary_key=True),
    Column("accession", String(64), nullable=False),
    Column("site", String(32), nullable=False, index=True),
    Column("modality", String(16), nullable=False),
    Column("body_part", String(64), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("acquired_at", DateTime, nullable=False),
    Column("pathway", String(64), nullable=False),
    Column("turnaround_minutes", Integer, nullable=False),
    Column("research", Boolean, nullable=False),
    Column("subspecialty", String(64)),
    Column("blinded", Boolean, nullable=False),
    Column("service_request", String(200)),  # FHIR references, when the task came in as FHIR
    Column("imaging_study", String(200)),
    Column("subject", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(320), nullable=False),
    # The worklist state, stepped with optimistic versioning (a stale write changes no row).
    Column("status", String(16), nullable=False),
    Column("reporter_id", String(64), index=True),
    Column("since", DateTime),
    Column("version", Integer, nullable=False),
    Column("report_text", Text),
    Column("report_conclusion", Text),
    Column("reported_at", DateTime),
)

worklist_event = Table(
    "net_op_worklist_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("reporter_id", String(64)),
    Column("before", String(16)),
    Column("after", String(16)),
    Column("detail", Text, nullable=False, default=""),
)


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Other packages share the database: only this room's tables are ours."""
    return type_ != "table" or (name or "").startswith("net_op_")
