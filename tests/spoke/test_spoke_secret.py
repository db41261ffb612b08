"""The spoke secret: created once, whole, even when several workers start at the same moment."""
from __future__ import annotations

import multiprocessing
import stat
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

from imaging_hub.spoke.participants.identity import SubjectHasher

FORK = multiprocessing.get_context("fork")  # quick to start: many rounds of racers


def _hash_when_released(data_dir: str, start: Event, results: Queue[str]) -> None:
    start.wait()
    try:
        results.put(SubjectHasher.for_data_dir(Path(data_dir)).hash("9434765919"))
    except Exception as error:  # the parent asserts on what went wrong
        results.put(f"error: {error!r}")


def test_workers_starting_together_share_one_whole_secret(tmp_path: Path) -> None:
    rounds, racers = 20, 8
    for n in range(rounds):
        data_dir = tmp_path / f"spoke{n}"
        start, results = FORK.Event(), FORK.Queue()
        procs = [FORK.Process(target=_hash_when_released, args=(str(data_dir), start, results))
                 for _ in range(racers)]
        for proc in procs:
            proc.start()
        start.set()
        hashes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(30)
        assert len(set(hashes)) == 1 and not hashes[0].startswith("error"), hashes
        secret = data_dir / "spoke.secret"
        assert len(secret.read_bytes()) == 32
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        assert [p.name for p in data_dir.iterdir()] == ["spoke.secret"]  # no private files left behind
        assert SubjectHasher.for_data_dir(data_dir).hash("9434765919") == hashes[0]
