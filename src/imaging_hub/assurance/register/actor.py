"""Who asks the assurance room: the shared ``Actor`` (``imaging_hub.actors``) with what it manages.

The face authenticates the person (governance) and builds an ``Actor``; the room decides what the actor may do
and records every action, report reads and refusals included, through the ``AuditSink``. ``AuditEntry``,
``AuditSink`` and ``no_audit`` are the shared ones, named here for the room's surface.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub import actors
from imaging_hub.actors import AuditEntry, AuditSink, no_audit

__all__ = ["Actor", "AuditEntry", "AuditSink", "no_audit"]


@dataclass(frozen=True)
class Actor(actors.Actor):
    """``manages``: projects whose AI validations the actor may run and read (None: any, e.g. the console's
    local operator). ``registrar``: may add AI tools to the register and close alarms and incidents."""

    manages: frozenset[str] | None = frozenset()
    registrar: bool = False

    def may_manage(self, project: str) -> bool:
        return self.manages is None or project in self.manages

    @property
    def may_register(self) -> bool:
        return self.registrar or self.manages is None
