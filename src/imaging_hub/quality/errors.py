"""Errors of the quality package."""

from __future__ import annotations


class ProtocolError(ValueError):
    """An acquisition protocol that cannot be used; the message names the file, the series and the field."""
