"""The hub room's tests share the event tests' small synthetic studies."""

from __future__ import annotations

import sys
from pathlib import Path

_EVENTS = str(Path(__file__).parent.parent / "events")
if _EVENTS not in sys.path:
    sys.path.insert(0, _EVENTS)
