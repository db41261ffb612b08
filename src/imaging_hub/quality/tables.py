"""The quality room's tables in the hub's database: protocol versions, one QC result per series, and the
change-feed position the hub's subscriber has finished."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

PREFIX = "quality_"
metadata = sa.MetaData()

protocol = sa.Table(
    "quality_protocol", metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),  # 1, 2, ... per project: the hub's own numbering
    sa.Column("label", sa.String(200), nullable=False),  # "name version" as the TOML states them
    sa.Column("text", sa.Text, nullable=False),  # the TOML exactly as saved
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("saved_by", sa.String(254), nullable=False),
)

result = sa.Table(
    "quality_result", metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("series_uid", sa.String(64), primary_key=True),
    sa.Column("study_uid", sa.String(64), nullable=False),
    sa.Column("site", sa.String(64)),
    sa.Column("modality", sa.String(16), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("protocol", sa.String(200)),
    sa.Column("conformant", sa.Boolean, nullable=False),
    sa.Column("record", sa.JSON, nullable=False),  # QcRecord.to_dict()
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_quality_result_study", "project", "study_uid"),
)

cursor = sa.Table(
    "quality_cursor", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
)


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """For Alembic: compare only the room's tables (the index, governance and other rooms share the database)."""
    return type_ != "table" or (name or "").startswith(PREFIX)
