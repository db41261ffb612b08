"""CPU priorities in a running spoke pipeline (``background_nice``): a tuning check, not a test of behaviour.

The pipeline process delivers at the spoke's own priority; de-identification runs ``background_nice`` lower,
in its worker processes, or, with no workers, in the pipeline's de-identifying thread only (Linux keeps a
niceness per thread, which the last check confirms for this kernel). Linux only: it reads /proc.

    .venv/bin/python bench/priorities_check.py [--nice 5]

Prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from imaging_hub.spoke import SpokeSettings, connect
from imaging_hub.spoke.runtime.pipeline import PipelineProcess


def _spawned(parent: int) -> list[int]:
    """The multiprocessing children ``parent`` started (not a resource tracker), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue  # not a process, or gone
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _nice(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


def _threads_nice(pid: int) -> dict[int, int]:
    """Each thread's niceness, by thread id."""
    return {int(task.name): _nice(int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()}


def _within(seconds: float, predicate: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@contextmanager
def _pipeline(folder: Path, workers: int, nice: int) -> Iterator[int | None]:
    """A running pipeline process (its pid, None if it did not start) with ``workers`` workers; stopped after."""
    settings = SpokeSettings(site_id="RX1", data=folder / "data", deid_workers=workers, background_nice=nice,
                             hub={"token": "t" * 40})
    connect(settings.data).close()  # the data folder and state database, as the spoke makes them first
    pipeline = PipelineProcess(settings)  # no hub listens: the courier only backs off
    pipeline.start()
    try:
        started = _within(60, lambda: len(_spawned(os.getpid())) == 1)
        yield _spawned(os.getpid())[0] if started else None
    finally:
        pipeline.stop()


def workers_run_lower(nice: int) -> tuple[bool, str]:
    ours = os.nice(0)
    with tempfile.TemporaryDirectory() as folder, _pipeline(Path(folder), 1, nice) as child:
        if child is None:
            return False, "the pipeline process did not start"
        lower = min(19, ours + nice)
        ok = _within(60, lambda: [_nice(w) for w in _spawned(child)] == [lower]) and _nice(child) == ours
        seen = {"pipeline": _nice(child), "workers": [_nice(w) for w in _spawned(child)]}
        return ok, f"expected pipeline {ours}, workers [{lower}]; saw {seen}"


def only_the_deidentifying_thread_runs_lower(nice: int) -> tuple[bool, str]:
    ours = os.nice(0)
    with tempfile.TemporaryDirectory() as folder, _pipeline(Path(folder), 0, nice) as child:
        if child is None:
            return False, "the pipeline process did not start"
        lower = min(19, ours + nice)
        # the main thread de-identifies; the courier and the parent watch are the others
        ok = _within(60, lambda: _threads_nice(child).get(child) == lower)
        others = {tid: n for tid, n in _threads_nice(child).items() if tid != child}
        ok = ok and len(others) >= 2 and set(others.values()) == {ours}
        return ok, f"expected main thread {lower}, others {ours}; saw {_threads_nice(child)}"


def niceness_is_per_thread(nice: int) -> tuple[bool, str]:
    """What the pipeline relies on when it de-identifies in its own thread."""
    seen: list[int] = []

    def lowered() -> None:
        os.nice(nice)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    after = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    return seen == [min(19, before + nice)] and after == before, f"thread {seen}, caller {before} -> {after}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nice", type=int, default=5, help="background_nice for the check (default 5)")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        print("Linux only: priorities are read from /proc")
        return 1
    failed = 0
    for check in (workers_run_lower, only_the_deidentifying_thread_runs_lower, niceness_is_per_thread):
        ok, detail = check(args.nice)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {check.__name__}: {detail}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
