"""Who asks the labelling room, and how the room records what they did through the face's audit sink.

The face authenticates the person (governance) and builds an ``Actor``; the room decides what a reader, a task
manager or an adjudicator may do, and records each action, refusals included, through the ``AuditSink``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """``name``: the account (an email) readers are known by. ``manages``: projects whose labelling tasks the
    actor may create, assign and export (None: any, e.g. the local operator at the console)."""

    name: str
    kind: str = "person"
    address: str = ""
    manages: frozenset[str] | None = frozenset()

    def may_manage(self, project: str) -> bool:
        return self.manages is None or project in self.manages


@dataclass(frozen=True)
class AuditEntry:
    actor: Actor
    action: str  # "labels.task.create", "labels.read.submit", ...
    entity_type: str
    entity_id: str
    project: str = ""
    outcome: str = "success"  # success | denied | failed
    detail: Mapping[str, Any] = field(default_factory=dict)


class AuditSink(Protocol):
    """Records one entry; raising fails the action (an access that cannot be recorded does not happen)."""

    def __call__(self, entry: AuditEntry) -> None: ...


def no_audit(entry: AuditEntry) -> None:
    """For tests and an open-access rig without governance."""
