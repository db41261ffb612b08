"""Pieces of the transfer: backoff with jitter, disk guard (the STOW-RS body and response: tests/dicomweb)."""

from __future__ import annotations

import random
from pathlib import Path

from imaging_hub.spoke.delivery.backoff import backoff_delay
from imaging_hub.spoke.intake.diskguard import DiskGuard


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(60.0, 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(backoff_delay(5, 1.0, 60.0, rng), 6) for _ in range(20)}) > 1  # jitter spreads spokes
    assert backoff_delay(0, 1.0, 60.0) == 0.0


def test_disk_guard_states(tmp_path: Path) -> None:
    assert DiskGuard(tmp_path, 1).accepting()
    full = DiskGuard(tmp_path, 1 << 62).state()
    assert not full.accepting and "NOT ACCEPTING" in full.describe()
