"""The hub room's tables (SQLAlchemy Core), in the index's database under their own Alembic history.

``hub_spoke_report`` holds each site's latest reconciliation report, one row per study: a new report for a
(site, project) replaces that pair's rows in one transaction. ``hub_spoke_contact`` holds each site's latest
heartbeat (one row per site): when its spoke last made contact, its backlog and whether it accepts images.
``hub_spoke_enrolment`` holds the recruitment counts (per project and month) of each site's latest heartbeat
that carried them: the next makes them equal to what it carries, writing only the months that differ;
``hub_spoke_contact.enrolment_at`` says when that was.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

PREFIX = "hub_"  # every table of the room; the rest of the database belongs to others

metadata = sa.MetaData(naming_convention={"ix": "ix_%(table_name)s_%(column_0_name)s"})

spoke_report = sa.Table(
    "hub_spoke_report",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True),
    sa.Column("site_id", sa.String(64), nullable=False),
    sa.Column("project_id", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # order within the report
    sa.Column("participant_id", sa.String, nullable=False),  # the project's pseudonym
    sa.Column("study_uid", sa.String(64), nullable=False),  # de-identified; "" when the PACS had none
    sa.Column("acknowledged", sa.Integer, nullable=False),  # including what the hub's answer acknowledged
    sa.Column("hub_instances", sa.Integer, nullable=False),  # held when the report came
    sa.Column("report", sa.JSON, nullable=False),  # the spoke's StudyReport as sent, less its check list
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reported_by", sa.String, nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True)),  # when first complete and all held (StudyComplete)
    sa.Index("ix_hub_spoke_report_site_id", "site_id", "project_id", "position"),
    sa.Index("ix_hub_spoke_report_project_id", "project_id"),
    sa.Index("ix_hub_spoke_report_study_uid", "study_uid"),
)

spoke_contact = sa.Table(
    "hub_spoke_contact",
    metadata,
    sa.Column("site_id", sa.String(64), primary_key=True),
    sa.Column("contact_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("backlog", sa.JSON, nullable=False),  # outbox state -> instances
    sa.Column("accepting", sa.Boolean, nullable=False),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("reported_by", sa.String, nullable=False),
    sa.Column("enrolment_at", sa.DateTime(timezone=True)),  # its latest recruitment counts (None: never sent)
)

spoke_enrolment = sa.Table(
    "hub_spoke_enrolment",
    metadata,
    sa.Column("site_id", sa.String(64), primary_key=True),
    sa.Column("project_id", sa.String(64), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),  # YYYY-MM, UK local, as the spoke counted it
    sa.Column("participants", sa.Integer, nullable=False),
)


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """For Alembic: compare only the room's tables (the index's and governance's share the database)."""
    return type_ != "table" or (name or "").startswith(PREFIX)
