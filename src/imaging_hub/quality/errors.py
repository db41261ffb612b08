"""Errors of the quality package."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class ProtocolError(ImagingHubError, ValueError):
    """An acquisition protocol that cannot be used; the message names the file, the series and the field."""
