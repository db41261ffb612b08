"""Errors of the de-identification engine. Messages never carry an identifying value."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class Quarantined(ImagingHubError):
    """An instance that cannot be made safe; ``reason`` says why, in words safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
