"""The one base class of Imaging Hub's own errors.

Every package's error classes derive from :class:`ImagingHubError` (keeping their other bases, such as
``ValueError``, so existing ``except`` clauses still catch them): a caller can tell "Imaging Hub refused
this, and the message says why" from a bug in one clause.
"""

from __future__ import annotations


class ImagingHubError(Exception):
    """Something Imaging Hub refused or could not do; the message names what was wrong (never an
    identifiable value)."""
