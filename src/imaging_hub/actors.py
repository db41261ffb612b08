"""Who asks a domain room, and how the room records what they did through the face's audit sink.

The face authenticates the caller (governance, or nothing on an open-access rig) and builds an ``Actor``; the
room decides and records each action, refusals included, as an ``AuditEntry`` passed to the ``AuditSink`` the
face gave it, so no room imports governance. A room whose rules need more than who the caller is (the projects
it manages, the sites it speaks for) subclasses ``Actor`` with those fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """``name``: the account the room knows the caller by (an email, a token). ``kind``: person, token, cli...
    ``address``: where the request came from. ``audit_name``: how the audit trail names the caller, if not by
    ``name`` (e.g. an account with its token)."""

    name: str
    kind: str = "person"
    address: str = ""
    _: KW_ONLY
    audit_name: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """One action on one target (``entity_type``, ``entity_id``): "labels.read.submit", "spoke.withdrawal"...
    ``outcome``: success | denied | failed. Everything after the target is named, never positional."""

    actor: Actor
    action: str
    entity_type: str
    entity_id: str
    _: KW_ONLY
    project: str = ""
    outcome: str = "success"
    detail: Mapping[str, Any] = field(default_factory=dict)


class AuditSink(Protocol):
    """Records one entry; raising fails the action (an access that cannot be recorded does not happen)."""

    def __call__(self, entry: AuditEntry) -> None: ...


def no_audit(entry: AuditEntry) -> None:
    """For tests, offline use and an open-access rig without governance: nothing is recorded."""
