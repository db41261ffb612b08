"""The seam where governance plugs in authorisation and audit.

Every DICOMweb route asks for an ``AccessScope`` through the ``current_scope`` dependency (replaced via
``create_app(scope_dependency=...)``) and reports each read and write to an ``AccessHook``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AccessScope:
    """Who is asking and which projects (ClinicalTrialProtocolID values) they may see; None: all."""

    principal: str
    projects: frozenset[str] | None
    purpose: str = ""
    exact_counts: frozenset[str] | None = None  # projects whose counts it sees exactly; None: all
    # For a write: projects it may store only label objects (SEG, SR) in, for studies held there already
    label_projects: frozenset[str] = frozenset()

    def allows(self, project: str | None) -> bool:
        return self.projects is None or (project or "") in self.projects

    @property
    def counts_suppressed(self) -> bool:
        """Whether some project it reads is one whose counts it must not see exactly (small-number rule)."""
        if self.exact_counts is None:
            return False
        return self.projects is None or not self.projects <= self.exact_counts


UNRESTRICTED = AccessScope(principal="anonymous", projects=None)


def current_scope() -> AccessScope:
    """Default dependency: everything is visible. Governance overrides this."""
    return UNRESTRICTED


class AccessHook(Protocol):
    """Called on every read and write: ``hook(action, principal, uids, outcome)``.

    action: "store", "search", "retrieve", "metadata", "bulkdata", "frames", "rendered".
    uids: the SOP Instance UIDs touched (for a search, the UIDs at the searched level).
    outcome: "success", "partial", "failure", "not-found", "denied", "invalid".
    new: for a store, those of ``uids`` newly stored (not resends): the hook ties them to its entry so a crash
    between storing and auditing can be settled at start-up (``Governance.settle_stored``).
    """

    def __call__(self, action: str, principal: str, uids: Sequence[str], outcome: str,
                 new: Sequence[str] = ()) -> None: ...


def no_audit(action: str, principal: str, uids: Sequence[str], outcome: str, new: Sequence[str] = ()) -> None:
    """The default AccessHook: records nothing."""
