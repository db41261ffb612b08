"""The one error the assurance package raises for input it refuses."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class AssuranceInputError(ImagingHubError, ValueError):
    """Input that cannot be assessed; the message names the file, column or row and never a case's value."""
