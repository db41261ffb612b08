"""Who is asking the hub room, what they may do, and how the room records it in the audit trail.

The faces build a ``Caller`` from whatever authenticated the request (governance, or nothing on an
open-access rig) and give the room an ``AuditSink``; the room decides and records, refusals included.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub.actors import Actor, AuditEntry, AuditSink, no_audit
from imaging_hub.errors import ImagingHubError

__all__ = ["AuditEntry", "AuditSink", "Caller", "InvalidRequest", "Refused", "no_audit"]


class Refused(ImagingHubError, PermissionError):
    """The caller may not do this (the message says why, naming no person)."""


class InvalidRequest(ImagingHubError, ValueError):
    """The request itself is malformed (the message says what was wrong)."""


@dataclass(frozen=True)
class Caller(Actor):
    """A spoke, person or service talking to the hub room (the shared ``imaging_hub.actors.Actor``).

    ``projects``: the projects it may act in (None: any). ``sites``: the (project, site) pairs it speaks for,
    i.e. the sites whose data it may report on or withdraw (None: any).
    """

    kind: str = "token"  # ``name`` is the audit trail's name for it: an account or token, never a patient
    projects: frozenset[str] | None = None
    sites: frozenset[tuple[str, str]] | None = None

    def may_act_in(self, project: str) -> bool:
        return self.projects is None or project in self.projects

    def speaks_for(self, project: str, site: str) -> bool:
        return self.may_act_in(project) and (self.sites is None or (project, site) in self.sites)

    def speaks_for_site(self, site: str) -> bool:
        return self.sites is None or any(s == site for _, s in self.sites)
