"""The governance seam: which projects a calling AE may see, and which it may send instances of.

The faces (``api``, ``governance``) decide who a caller is; this engine only needs the answer, so it accepts
any object with a ``projects`` attribute (``imaging_hub.api.access.AccessScope`` is one) and keeps imports
pointing down. Two optional attributes refine it:

- ``writable_projects``: the projects whose instances (by ClinicalTrialProtocolID) the caller may C-STORE;
  absent or ``None`` means unrestricted, so a scope written only for reads leaves storage as it was.
- ``record_store(sop_instance_uid, project, outcome)``: told of every C-STORE decision ("success",
  "duplicate", "conflict", "denied", "invalid", "failed"), for an audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class ProjectScope(Protocol):
    """What a caller may see: ``None`` is every project, otherwise only instances of these projects."""

    @property
    def projects(self) -> frozenset[str] | None: ...


@dataclass(frozen=True)
class Unrestricted:
    """The default scope when no governance is wired in: everything."""

    projects: frozenset[str] | None = None


# scope_for(calling_ae_title, peer_address) -> the caller's scope
ScopeProvider = Callable[[str, str], ProjectScope]


def unrestricted(calling_ae_title: str, peer_address: str) -> ProjectScope:
    return Unrestricted()


def writable(scope: ProjectScope) -> frozenset[str] | None:
    """The projects ``scope`` may send instances of; None: any (the scope does not say)."""
    value = getattr(scope, "writable_projects", None)
    return None if value is None else frozenset(value)


def record_store(scope: ProjectScope, sop_instance_uid: str, project: str | None, outcome: str) -> None:
    """Tell the scope's ``record_store`` (when it has one) what became of one C-STORE."""
    recorder = getattr(scope, "record_store", None)
    if callable(recorder):
        recorder(sop_instance_uid, project, outcome)


def allows(projects: frozenset[str] | None, project: str | None) -> bool:
    """Whether an instance of ``project`` (its ClinicalTrialProtocolID, maybe absent) is within ``projects``."""
    return projects is None or (project is not None and project in projects)
