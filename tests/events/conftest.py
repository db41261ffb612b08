"""Event tests import their samples module by name, and the dcmtk helpers of the DIMSE tests."""

from __future__ import annotations

import sys
from pathlib import Path

for folder in (Path(__file__).parent, Path(__file__).parent.parent / "dimse"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
