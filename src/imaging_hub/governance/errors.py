"""Governance errors. Messages name what was wrong and never carry an identifiable value."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class GovernanceError(ImagingHubError):
    """Base class for every refusal the governance domain makes."""


class NotFound(GovernanceError):
    """The named object does not exist (or the caller may not know that it does)."""


class Forbidden(GovernanceError):
    """The caller is known but not allowed to do this."""


class Unauthenticated(GovernanceError):
    """No valid credentials: missing, wrong, expired or revoked."""


class InvalidInput(GovernanceError, ValueError):
    """The request names something impossible: an unknown role, an end before a start, a duplicate code."""


class InvalidTransition(GovernanceError):
    """A data-sharing agreement or project cannot move from its current state to the one asked for."""
