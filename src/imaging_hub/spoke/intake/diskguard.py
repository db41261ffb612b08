"""Stop accepting before the disk fills, rather than failing halfway through a write."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DiskState:
    free_bytes: int
    min_free_bytes: int

    @property
    def accepting(self) -> bool:
        return self.free_bytes >= self.min_free_bytes

    def describe(self) -> str:
        free_mb = self.free_bytes // (1024 * 1024)
        floor_mb = self.min_free_bytes // (1024 * 1024)
        if self.accepting:
            return f"accepting ({free_mb} MB free, stops below {floor_mb} MB)"
        return (
            f"NOT ACCEPTING: disk nearly full ({free_mb} MB free, needs {floor_mb} MB); "
            "waiting for the outbox to drain"
        )


class DiskGuard:
    """Free space of the spoke's data folder against a floor, re-measured at most every ``every_s``."""

    def __init__(self, path: Path, min_free_bytes: int, every_s: float = 1.0) -> None:
        self._path = path
        self._min = min_free_bytes
        self._every = every_s
        self._lock = threading.Lock()
        self._last: DiskState | None = None
        self._measured_at = 0.0

    def state(self) -> DiskState:
        with self._lock:
            now = time.monotonic()
            if self._last is None or now - self._measured_at >= self._every:
                self._last = DiskState(shutil.disk_usage(self._path).free, self._min)
                self._measured_at = now
            return self._last

    def accepting(self) -> bool:
        return self.state().accepting
