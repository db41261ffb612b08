"""Who asks the network rooms: the shared ``Actor`` (``imaging_hub.actors``) with its network roles.

The face authenticates the person (governance) and builds an ``Actor``; the room decides what a reporter or a
network manager may do and records each step, refusals included, through the ``AuditSink`` it was opened with
(the face passes the governance audit trail in; rooms never import governance). ``AuditEntry``, ``AuditSink``
and ``no_audit`` are the shared ones, named here for the room's surface.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub import actors
from imaging_hub.actors import AuditEntry, AuditSink, no_audit

__all__ = ["Actor", "AuditEntry", "AuditSink", "no_audit"]


@dataclass(frozen=True)
class Actor(actors.Actor):
    """``name``: the account (an email) a reporter is linked to. ``manager``: runs the network's worklist and
    register (reassigns, adds tasks, registers scanners). ``sites``: sites the actor manages data for."""

    manager: bool = False
    sites: frozenset[str] = frozenset()
