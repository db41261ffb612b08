"""Errors the archive raises: both are ValueErrors so faces can map them to a client error."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class InvalidInstance(ImagingHubError, ValueError):
    """An incoming Part 10 stream was refused; the message names the problem. Nothing of it was kept."""


class QueryError(ImagingHubError, ValueError):
    """A search named an unknown key or gave a value that cannot be matched; the message says which."""
