"""CPU priorities in a running pipeline: delivery at the spoke's own, de-identification ``background_nice``
lower (worker processes, or the pipeline's de-identifying thread when it has none)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psutil
from harness import wait_for

from imaging_hub.spoke import SpokeSettings, connect
from imaging_hub.spoke.lifetime import nice_this_thread
from imaging_hub.spoke.pipeline import PipelineProcess

LOWER = 5


def _spawned(process: psutil.Process) -> list[psutil.Process]:
    """The multiprocessing children a process started (not a resource tracker)."""
    return [c for c in process.children() if "spawn_main" in " ".join(c.cmdline())]


def _threads_nice(pid: int) -> dict[int, int]:
    """Each thread's niceness (Linux keeps one per thread), by thread id."""
    return {thread.id: psutil.Process(thread.id).nice() for thread in psutil.Process(pid).threads()}


def _running(tmp_path: Path, workers: int) -> PipelineProcess:
    settings = SpokeSettings(site_id="RX1", data=tmp_path / "data", deid_workers=workers, background_nice=LOWER,
                             hub={"token": "t" * 40})
    connect(settings.data).close()  # the data folder and state database, as the spoke makes them first
    pipeline = PipelineProcess(settings)  # no hub listens: the courier only backs off
    pipeline.start()
    return pipeline


def test_workers_run_lower_than_the_pipeline_which_delivers_at_the_spokes_priority(tmp_path: Path) -> None:
    ours = os.nice(0)
    pipeline = _running(tmp_path, workers=1)
    try:
        wait_for(lambda: len(_spawned(psutil.Process())) == 1, 60, what="the pipeline process")
        (child,) = _spawned(psutil.Process())
        wait_for(lambda: [w.nice() for w in _spawned(child)] == [min(19, ours + LOWER)], 60,
                 what="a worker process at the lower priority")
        assert child.nice() == ours  # and with it the courier
    finally:
        pipeline.stop()


def test_without_workers_only_the_de_identifying_thread_runs_lower(tmp_path: Path) -> None:
    ours = os.nice(0)
    pipeline = _running(tmp_path, workers=0)
    try:
        wait_for(lambda: len(_spawned(psutil.Process())) == 1, 60, what="the pipeline process")
        (child,) = _spawned(psutil.Process())
        # the main thread de-identifies; the courier and the parent watch are the others
        wait_for(lambda: _threads_nice(child.pid).get(child.pid) == min(19, ours + LOWER), 60,
                 what="the de-identifying thread at the lower priority")
        others = {tid: nice for tid, nice in _threads_nice(child.pid).items() if tid != child.pid}
        assert len(others) >= 2 and set(others.values()) == {ours}
    finally:
        pipeline.stop()


def test_nice_this_thread_leaves_the_other_threads_alone() -> None:
    seen: list[int] = []

    def lowered() -> None:
        nice_this_thread(3)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    assert seen == [min(19, before + 3)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
