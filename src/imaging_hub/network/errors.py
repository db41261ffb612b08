"""The one error the network's engines raise for bad input, so faces can report it without a traceback."""

from __future__ import annotations

from imaging_hub.errors import ImagingHubError


class NetworkInputError(ImagingHubError, ValueError):
    """Input the network cannot use: names the file, row and column (never the value, which may identify someone)."""
