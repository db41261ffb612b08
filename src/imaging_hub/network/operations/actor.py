"""Who asks the network room, and how the room records what they did through the face's audit sink.

The face authenticates the person (governance) and builds an ``Actor``; the room decides what a reporter or a
network manager may do and records each step, refusals included, through the ``AuditSink`` it was opened with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """``name``: the account (an email) a reporter is linked to. ``manager``: runs the network's worklist and
    register (reassigns, adds tasks, registers scanners). ``sites``: sites the actor manages data for."""

    name: str
    kind: str = "person"
    address: str = ""
    manager: bool = False
    sites: frozenset[str] = frozenset()
    audit_name: str = ""  # how the audit trail names the caller, if not by ``name`` (e.g. with its token)


@dataclass(frozen=True)
class AuditEntry:
    actor: Actor
    action: str  # "network.worklist.claim", "network.task.create", ...
    entity_type: str
    entity_id: str
    outcome: str = "success"  # success | denied | failed
    detail: Mapping[str, Any] = field(default_factory=dict)


class AuditSink(Protocol):
    """Records one entry; the face passes the governance audit trail in (rooms never import governance)."""

    def __call__(self, entry: AuditEntry) -> None: ...


def no_audit(entry: AuditEntry) -> None:
    """For offline use and tests without governance."""
