"""The governance seam: who a calling AE is allowed to be, what it may see and send, and where to report.

The faces (``api``, ``governance``) decide who a caller is; this engine only needs the answer, so it accepts
any object with a ``projects`` attribute (``imaging_hub.api.access.AccessScope`` is one) and keeps imports
pointing down. The scope is made once per association (when it is requested); its attributes are read at
each operation, so a scope that answers from live state sees a revoked role at the very next request.
Optional attributes refine it:

- ``admitted``: False refuses the association itself (an unmapped peer); absent means True.
- ``writable_projects``: the projects whose instances (by ClinicalTrialProtocolID) the caller may C-STORE;
  absent or ``None`` means unrestricted, so a scope written only for reads leaves storage as it was.
- ``record_association(accepted, reason)``: told whether the association was accepted, and why not.
- ``record_store(sop_instance_uid, project, outcome)``: told of every C-STORE decision ("success",
  "duplicate", "conflict", "denied", "invalid", "failed"), for an audit trail.
- ``record_read(read)``: told of every C-FIND, C-MOVE and C-GET (a ``Read``), refusals included.
- ``move_projects(destination)``: the projects whose instances may be C-MOVEd to that destination (``MoveScope``);
  an empty set refuses the destination outright; absent means the address book alone decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class ProjectScope(Protocol):
    """What a caller may see: ``None`` is every project, otherwise only instances of these projects."""

    @property
    def projects(self) -> frozenset[str] | None: ...


@dataclass(frozen=True)
class Unrestricted:
    """The default scope when no governance is wired in: everything."""

    projects: frozenset[str] | None = None


@dataclass(frozen=True)
class Read:
    """One query or retrieve as the audit trail should see it.

    ``outcome``: "success", "partial" (some sub-operations failed), "cancelled", "denied" (what was named is
    outside the caller's projects), "invalid" (an identifier or destination the SCP cannot act on), "failed".
    """

    service: str  # C-FIND, C-MOVE or C-GET
    level: str  # the Query/Retrieve level asked for ('' when unreadable)
    keys: Mapping[str, str]  # matching keys as sent: keyword -> matching string (values given only)
    outcome: str
    uids: tuple[str, ...] = ()  # C-FIND: the matches' unique keys; retrieve: the SOP Instance UIDs sent
    destination: str = ""  # C-MOVE: the move destination's AE title
    failed: int = 0  # retrieve: sub-operations that failed
    withheld: int = 0  # retrieve: instances named but outside the caller's projects (not sent)
    reason: str = ""
    detail: Mapping[str, object] = field(default_factory=dict)


@runtime_checkable
class MoveScope(Protocol):
    """A scope that also says where C-MOVE may send: the projects whose instances may go to a destination."""

    def move_projects(self, destination: str) -> frozenset[str]: ...


def movable_projects(scope: ProjectScope, destination: str) -> frozenset[str] | None:
    """The projects whose instances ``scope`` may move to ``destination``; ``None``: every project it reads
    (a scope without destination rules, as without governance)."""
    return scope.move_projects(destination) if isinstance(scope, MoveScope) else None


# scope_for(calling_ae_title, peer_address) -> the caller's scope
ScopeProvider = Callable[[str, str], ProjectScope]


def unrestricted(calling_ae_title: str, peer_address: str) -> ProjectScope:
    return Unrestricted()


def admitted(scope: ProjectScope) -> bool:
    return bool(getattr(scope, "admitted", True))


def writable(scope: ProjectScope) -> frozenset[str] | None:
    """The projects ``scope`` may send instances of; None: any (the scope does not say)."""
    value = getattr(scope, "writable_projects", None)
    return None if value is None else frozenset(value)


def record_association(scope: ProjectScope, accepted: bool, reason: str = "") -> None:
    recorder = getattr(scope, "record_association", None)
    if callable(recorder):
        recorder(accepted, reason)


def record_store(scope: ProjectScope, sop_instance_uid: str, project: str | None, outcome: str) -> None:
    """Tell the scope's ``record_store`` (when it has one) what became of one C-STORE."""
    recorder = getattr(scope, "record_store", None)
    if callable(recorder):
        recorder(sop_instance_uid, project, outcome)


def record_read(scope: ProjectScope, read: Read) -> None:
    recorder = getattr(scope, "record_read", None)
    if callable(recorder):
        recorder(read)


def allows(projects: frozenset[str] | None, project: str | None) -> bool:
    """Whether an instance of ``project`` (its ClinicalTrialProtocolID, maybe absent) is within ``projects``."""
    return projects is None or (project is not None and project in projects)
