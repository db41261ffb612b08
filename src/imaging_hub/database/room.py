"""A domain room kept in the hub's database: opened on the hub's engine, its own Alembic chain brought to head,
with the face's audit sink and a clock. Every room is opened this way, so it is written once here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar, Self

from sqlalchemy.engine import Engine

from imaging_hub.actors import AuditSink, no_audit
from imaging_hub.database.migrations import Migrations

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Room:
    """``SomeRoom.open(engine, audit=sink)``: ``engine`` is the hub database's (the archive's writer), shared, not
    owned (the room never disposes it). A subclass names its chain in ``migrations``."""

    migrations: ClassVar[Migrations]

    def __init__(self, engine: Engine, audit: AuditSink = no_audit, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._audit = audit
        self._clock = clock

    @property
    def engine(self) -> Engine:
        return self._engine

    @classmethod
    def open(cls, engine: Engine, *, audit: AuditSink = no_audit, clock: Clock = utc_now) -> Self:
        """The room with its tables at head (idempotent: other rooms' chains share the database)."""
        cls.migrations.upgrade(engine)
        return cls(engine, audit, clock)
