"""The one error the assurance package raises for input it refuses."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class AssuranceInputError(ImagingHubError, ValueError):
    """Input that cannot be assessed; the message names the file, column or row and never a case's value."""


class Refused(ImagingHubError, PermissionError):
    """The actor may not do this; the refusal has been audited."""


class NotFound(ImagingHubError, LookupError):
    """No such AI tool, run, alarm or incident in the register."""


class ModelMismatch(AssuranceInputError):
    """The model file is not the one the register locked for this tool (its SHA-256 differs)."""
