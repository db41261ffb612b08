"""Who asks the labelling room: the shared ``Actor`` (``imaging_hub.actors``) with the projects it manages.

The face authenticates the person (governance) and builds an ``Actor``; the room decides what a reader, a task
manager or an adjudicator may do, and records each action, refusals included, through the ``AuditSink``.
``AuditEntry``, ``AuditSink`` and ``no_audit`` are the shared ones, named here for the room's surface.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub import actors
from imaging_hub.actors import AuditEntry, AuditSink, no_audit

__all__ = ["Actor", "AuditEntry", "AuditSink", "no_audit"]


@dataclass(frozen=True)
class Actor(actors.Actor):
    """``name``: the account (an email) readers are known by. ``manages``: projects whose labelling tasks the
    actor may create, assign and export (None: any, e.g. the local operator at the console)."""

    manages: frozenset[str] | None = frozenset()

    def may_manage(self, project: str) -> bool:
        return self.manages is None or project in self.manages
