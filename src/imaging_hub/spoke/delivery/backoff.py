"""Exponential backoff with jitter, so a fleet of spokes does not hammer a hub that is coming back up."""

from __future__ import annotations

import random


def backoff_delay(failures: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """Delay before retry number ``failures`` (1-based): "equal jitter" between half and all of
    min(cap, base * 2**(failures-1)), so the wait keeps growing yet spokes spread out."""
    if failures <= 0:
        return 0.0
    ceiling = min(cap_s, base_s * 2 ** min(failures - 1, 32))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
