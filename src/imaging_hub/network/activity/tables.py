"""The activity tables (prefix ``net_activity``), kept by their own Alembic history: the portfolio studies the
network records, and manual activity entries for what the hub cannot see. Lists (sites, timepoints) are JSON."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

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
