"""The activity tables (prefix ``net_activity``), kept by their own Alembic history: the portfolio studies the
network records, manual activity entries for what the hub cannot see, and what their costs rest on: each study's
schedule of events, the annual tariffs and the AcoRD overrides with who, when and why. Lists are JSON."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, Numeric, String, Table, Text, UniqueConstraint

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
    }
)

studies = Table(
    "net_activity_study",
    metadata,
    Column("iras_id", String(7), primary_key=True),
    Column("cpms_id", String(7), nullable=False),
    Column("title", String(500), nullable=False),
    Column("sponsor", String(200), nullable=False),
    Column("chief_investigator", String(200), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("project", String(64), nullable=False, unique=True),
    Column("sites", Text, nullable=False),  # JSON list
    Column("timepoints", Text, nullable=False),  # JSON list, protocol order
    Column("reads_per_participant", Integer, nullable=False),
)

manual_entries = Table(
    "net_activity_manual",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("iras_id", String(7), nullable=False, index=True),
    Column("site", String(64), nullable=False),
    Column("month", String(7), nullable=False),
    Column("measure", String(16), nullable=False),
    Column("timepoint", String(64), nullable=True),
    Column("count", Integer, nullable=False),
    Column("note", String(500), nullable=False),
    Column("entered_by", String(320), nullable=False),
    Column("entered_at", DateTime, nullable=False),  # naive UTC
)

# A portfolio study's schedule of events (SoECAT-style), one row per activity of a visit and arm; the study is
# the portfolio study's IRAS ID, so the costs engine's ``VisitKey.study`` is that ID.
schedule = Table(
    "net_activity_schedule",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("iras_id", String(7), nullable=False, index=True),
    Column("arm", String(64), nullable=False),
    Column("visit", String(64), nullable=False),
    Column("activity", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("staff_role", String(200), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("tariff_code", String(64), nullable=False),
    Column("patient_care", Boolean, nullable=False),
    Column("continues_after_study", Boolean, nullable=False),
    Column("standard_care", Boolean, nullable=False),
    Column("part_b_item", String(32), nullable=True),
    Column("replaces_tariff_code", String(64), nullable=True),
    Column("per_visit", Integer, nullable=False),
    UniqueConstraint("iras_id", "arm", "visit", "activity", name="uq_net_activity_schedule_activity"),
)

# The annual tariff, one financial year (by the calendar year its April falls in) replaced as a whole.
tariff = Table(
    "net_activity_tariff",
    metadata,
    Column("starts", Integer, primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("description", String(500), nullable=False),
    Column("unit", String(8), nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
)

# AcoRD overrides, kept as a history: the newest decision for an activity applies, the earlier ones stay shown.
overrides = Table(
    "net_activity_override",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("iras_id", String(7), nullable=False, index=True),
    Column("arm", String(64), nullable=False),
    Column("visit", String(64), nullable=False),
    Column("activity", String(200), nullable=False),
    Column("category", String(32), nullable=False),
    Column("rule_category", String(32), nullable=False),  # what the rule said when the person decided
    Column("justification", String(2000), nullable=False),
    Column("decided_by", String(320), nullable=False),
    Column("decided_at", DateTime, nullable=False),  # naive UTC
)
