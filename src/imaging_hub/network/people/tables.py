"""The people tables (prefix ``net_people``), kept by their own Alembic history.

A profile is stored as a JSON document beside the columns listed and filtered (site, region, champion); a
mentoring request carries its proposed match (mentor and reason) until an administrator accepts it, when it
becomes a row of the pairing history. Every step of a request (asked, proposed or unmatched, paired, ended) is
also a row of ``net_people_step``, so the way from request to ended pairing can be read back with who and when.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s", "ix": "ix_%(table_name)s_%(column_0_name)s"})

profile = Table(
    "net_people_profile",
    metadata,
    Column("person", String(254), primary_key=True),  # the governance account (email, lower case)
    Column("site", String(100), nullable=False, index=True),
    Column("region", String(100), nullable=False),
    Column("champion", Boolean, nullable=False),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),  # naive UTC
)

request = Table(
    "net_people_request",
    metadata,
    Column("request_id", String(40), primary_key=True),
    Column("person", String(254), nullable=False, index=True),
    Column("site", String(100), nullable=False),
    Column("skills", Text, nullable=False),  # JSON list
    Column("hours", Integer, nullable=False),
    Column("note", String(1000), nullable=False),
    Column("status", String(16), nullable=False),  # open | proposed | paired
    Column("mentor", String(254), nullable=True),  # the proposed mentor, once matched
    Column("reason", String(1000), nullable=False),  # the match's reason, or why nobody fitted
    Column("created_at", DateTime, nullable=False),
)

pairing = Table(
    "net_people_pairing",
    metadata,
    Column("request_id", String(40), primary_key=True),
    Column("mentee", String(254), nullable=False, index=True),
    Column("mentor", String(254), nullable=False, index=True),
    Column("skills", Text, nullable=False),  # JSON list
    Column("reason", String(1000), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=True),
    Column("outcome", String(1000), nullable=False),
    Column("ended_by", String(254), nullable=True),  # the account that ended it (a member or an administrator)
)

step = Table(
    "net_people_step",
    metadata,
    Column("step_id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(40), nullable=False, index=True),
    Column("taken_at", DateTime, nullable=False),  # naive UTC
    Column("step", String(16), nullable=False),  # asked | proposed | unmatched | paired | ended
    Column("actor", String(254), nullable=False),  # the account (or system name) that took the step
    Column("note", String(1000), nullable=False),  # the match's reason, or why the pairing ended
)
