"""Where the viewer lives, for the pages that link to it and the router that serves it."""

from __future__ import annotations

from urllib.parse import quote

VIEWER_ROOT = "/viewer"


def viewer_url(study_uid: str) -> str:
    """The viewer's address for one study (OHIF's default mode, its ``/viewer`` route under our root)."""
    return f"{VIEWER_ROOT}/viewer?StudyInstanceUIDs={quote(study_uid, safe='')}"
