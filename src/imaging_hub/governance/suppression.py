"""Small-number suppression for cohort counts shown to roles below project lead."""

from __future__ import annotations

THRESHOLD = 10


def suppress(count: int, unsuppressed: bool) -> str:
    """A count as shown: exact for those allowed, otherwise ``"<10"`` for 1-9 (zero is not disclosive)."""
    if unsuppressed or count == 0 or count >= THRESHOLD:
        return str(count)
    return f"<{THRESHOLD}"
