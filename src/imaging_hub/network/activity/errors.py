"""The error the research-activity engine raises for a study or record it cannot use."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class ActivityInputError(ImagingHubError, ValueError):
    """Names the field and what was wrong with it; never a participant's value."""


class ActivityRefused(ImagingHubError, PermissionError):
    """The caller may not make this change; the refusal has been audited."""
