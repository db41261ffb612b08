"""The intake buffer: what the Storage SCP acknowledges is a whole file under its final name, and a write
that fails leaves nothing behind."""

from __future__ import annotations

import os
import resource
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from imaging_hub.spoke.intake import IntakeBuffer


def test_put_names_a_whole_file_and_keeps_the_arrival_order(tmp_path: Path) -> None:
    arrivals: list[int] = []
    buffer = IntakeBuffer(tmp_path / "intake", on_arrival=lambda: arrivals.append(1))
    first, second = buffer.put(b"first" * 1000), buffer.put(b"second")
    assert buffer.pending() == [first, second]
    assert first.read_bytes() == b"first" * 1000 and second.read_bytes() == b"second"
    assert list((tmp_path / "intake" / ".incoming").iterdir()) == []
    assert len(arrivals) == 2 and buffer.count() == 2


@pytest.fixture()
def file_size_limit() -> Iterator[int]:
    """Writes beyond 4 KiB fail with EFBIG, as a write to a full disk fails with ENOSPC."""
    limit = 4096
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, file_size_limit: int) -> None:
    buffer = IntakeBuffer(tmp_path / "intake")
    with pytest.raises(OSError):
        buffer.put(os.urandom(file_size_limit * 4))
    assert buffer.pending() == []
    assert list((tmp_path / "intake" / ".incoming").iterdir()) == []
    assert buffer.put(b"small").read_bytes() == b"small"  # and the buffer goes on working
