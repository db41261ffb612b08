"""The governance seam: which projects a calling AE may see.

The faces (``api``) decide who a caller is; this engine only needs the answer, so it accepts any object
with a ``projects`` attribute (``imaging_hub.api.access.AccessScope`` is one) and keeps imports pointing down.
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


def allows(projects: frozenset[str] | None, project: str | None) -> bool:
    """Whether an instance of ``project`` (its ClinicalTrialProtocolID, maybe absent) is within ``projects``."""
    return projects is None or (project is not None and project in projects)
