"""The intake buffer: what the Storage SCP acknowledges is a whole file under its final name, and a write
that fails leaves nothing behind."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

from imaging_hub.spoke.intake.buffer import IntakeBuffer


def test_put_names_a_whole_file_and_keeps_the_arrival_order(tmp_path: Path) -> None:
    arrivals: list[int] = []
    buffer = IntakeBuffer(tmp_path / "intake", on_arrival=lambda: arrivals.append(1))
    first, second = buffer.put(b"first" * 1000), buffer.put(b"second")
    assert buffer.pending() == [first, second]
    assert first.read_bytes() == b"first" * 1000 and second.read_bytes() == b"second"
    assert list((tmp_path / "intake" / ".incoming").iterdir()) == []
    assert len(arrivals) == 2 and buffer.count() == 2


# A child process whose files may not grow beyond 4 KiB: its writes fail with EFBIG, as writes to a full disk
# fail with ENOSPC. (The limit is per process; set in the test runner it would break the runner's own output.)
_FULL_DISK = """
import os, resource, signal, sys
from pathlib import Path
from imaging_hub.spoke.intake.buffer import IntakeBuffer
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
buffer = IntakeBuffer(Path(sys.argv[1]))
try:
    buffer.put(os.urandom(16384))
except OSError as exc:
    print("refused", exc.errno)
print("then", buffer.put(b"small").read_bytes().decode())
"""


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "intake"
    child = subprocess.run([sys.executable, "-c", _FULL_DISK, str(folder)], capture_output=True, text=True,
                           timeout=60, check=True)
    assert child.stdout.split("\n")[:2] == [f"refused {errno.EFBIG}", "then small"]  # and it goes on working
    assert [p.read_bytes() for p in IntakeBuffer(folder).pending()] == [b"small"]
    assert list((folder / ".incoming").iterdir()) == []


def test_a_recorded_file_is_deleted_at_once_and_the_start_clears_what_earlier_versions_kept(tmp_path: Path) -> None:
    buffer = IntakeBuffer(tmp_path / "intake")
    done, waiting = buffer.put(b"de-identified"), buffer.put(b"waiting")
    buffer.remove(done)
    assert buffer.pending() == [waiting]
    spent = tmp_path / "intake" / ".spent"  # identifiable files an earlier version kept to write over
    spent.mkdir()
    (spent / "3").write_bytes(b"identifiable")
    (tmp_path / "intake" / ".incoming" / "half-written.dcm").write_bytes(b"half")
    buffer.remove_stale()
    assert [p for p in (tmp_path / "intake").rglob("*") if not p.is_dir()] == [waiting]
    assert not spent.exists()
