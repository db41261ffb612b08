"""The labelling room's errors: each message names what was wrong (a field, row, column or id), never a person's
identifiable value."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class LabellingError(ImagingHubError, ValueError):
    """Input or a request the room refuses; nothing was stored."""


class NotFound(LabellingError, LookupError):
    """No such task, study, assignment or read."""


class Refused(ImagingHubError, PermissionError):
    """The caller may not do this (not a reader of the task, not the adjudicator, blinded)."""
