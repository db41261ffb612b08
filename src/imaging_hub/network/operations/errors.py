"""Refusals of the network room: what an actor may not do, and what is not there."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class NetworkRefused(ImagingHubError, PermissionError):
    """The actor may not do this; the message says why (never an identifying value)."""


class NetworkNotFound(ImagingHubError, LookupError):
    """No such task, reporter or scanner in the register."""
