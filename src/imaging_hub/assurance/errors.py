"""The one error the assurance package raises for input it refuses."""

from __future__ import annotations


class AssuranceInputError(ValueError):
    """Input that cannot be assessed; the message names the file, column or row and never a case's value."""
