"""CPU priorities in a running pipeline: delivery at the spoke's own, de-identification ``background_nice``
lower (worker processes, or the pipeline's de-identifying thread when it has none)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import wait_for

from imaging_hub.spoke import SpokeSettings, connect
from imaging_hub.spoke.runtime.pipeline import PipelineProcess

LOWER = 5


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
    """Each thread's niceness (Linux keeps one per thread), by thread id."""
    return {int(task.name): _nice(int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()}


@contextmanager
def _pipeline(tmp_path: Path, workers: int) -> Iterator[int]:
    """A running pipeline process (its pid) of a spoke with ``workers`` worker processes; stopped after."""
    settings = SpokeSettings(site_id="RX1", data=tmp_path / "data", deid_workers=workers, background_nice=LOWER,
                             hub={"token": "t" * 40})
    connect(settings.data).close()  # the data folder and state database, as the spoke makes them first
    pipeline = PipelineProcess(settings)  # no hub listens: the courier only backs off
    pipeline.start()
    try:
        wait_for(lambda: len(_spawned(os.getpid())) == 1, 60, what="the pipeline process")
        (child,) = _spawned(os.getpid())
        yield child
    finally:
        pipeline.stop()


def test_workers_run_lower_than_the_pipeline_which_delivers_at_the_spokes_priority(tmp_path: Path) -> None:
    ours = os.nice(0)
    with _pipeline(tmp_path, workers=1) as child:
        wait_for(lambda: [_nice(w) for w in _spawned(child)] == [min(19, ours + LOWER)], 60,
                 what="a worker process at the lower priority")
        assert _nice(child) == ours  # and with it the courier


def test_without_workers_only_the_de_identifying_thread_runs_lower(tmp_path: Path) -> None:
    ours = os.nice(0)
    with _pipeline(tmp_path, workers=0) as child:
        # the main thread de-identifies; the courier and the parent watch are the others
        wait_for(lambda: _threads_nice(child).get(child) == min(19, ours + LOWER), 60,
                 what="the de-identifying thread at the lower priority")
        others = {tid: nice for tid, nice in _threads_nice(child).items() if tid != child}
        assert len(others) >= 2 and set(others.values()) == {ours}


def test_os_nice_leaves_the_other_threads_alone() -> None:
    """What the pipeline relies on when it de-identifies in its own thread: Linux keeps a niceness per thread."""
    seen: list[int] = []

    def lowered() -> None:
        os.nice(3)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    assert seen == [min(19, before + 3)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
