"""Who asks the assurance room, and how the room records what they did through the face's audit sink.

The face authenticates the person (governance) and builds an ``Actor``; the room decides what the actor may do
and records every action, report reads and refusals included, through the ``AuditSink``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """``manages``: projects whose AI validations the actor may run and read (None: any, e.g. the console's
    local operator). ``registrar``: may add AI tools to the register and close alarms and incidents."""

    name: str
    kind: str = "person"
    manages: frozenset[str] | None = frozenset()
    registrar: bool = False

    def may_manage(self, project: str) -> bool:
        return self.manages is None or project in self.manages

    @property
    def may_register(self) -> bool:
        return self.registrar or self.manages is None


@dataclass(frozen=True)
class AuditEntry:
    actor: Actor
    action: str  # "assurance.tool.register", "assurance.report.read", ...
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
