"""Where the viewer lives, for the pages that link to it and the router that serves it."""

from __future__ import annotations

from urllib.parse import quote

VIEWER_ROOT = "/viewer"


def viewer_url(study_uid: str, mode: str = "viewer") -> str:
    """The viewer's address for one study: OHIF's default mode (its ``/viewer`` route under our root), or
    another mode by its route, e.g. ``segmentation`` for readers who draw (it saves a SEG to the hub)."""
    return f"{VIEWER_ROOT}/{mode}?StudyInstanceUIDs={quote(study_uid, safe='')}"
