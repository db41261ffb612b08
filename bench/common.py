"""Shared pieces of the benchmarks: corpora, ports, processes, memory sampling, reporting.

Benchmarks print ratios against a peer measured in the same run on the same data, never absolute targets
checked by tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the Orthanc runner lives with the test peers

from peers.orthanc import OrthancPacs, dicomweb_plugin  # noqa: E402, F401 - dicomweb_plugin for the benchmarks

# Every peer runs as its users would run it. dcmtk (storescu, and Orthanc, whose DICOM side is dcmtk) leaves
# Nagle's algorithm on unless TCP_NODELAY=1 is in its environment, and then waits on delayed ACKs: Orthanc
# measured 36-40 instances/s over C-STORE without it and 335/s with it (issue 21).
DCMTK_ENVIRONMENT = {"TCP_NODELAY": "1"}

# The performance-related options the Orthanc Book recommends ("Scalability of Orthanc"), over the test peer's
# configuration; its index stays in the default SQLite. StableAge back at Orthanc's default: the test peer's 1 s
# runs stable-study work during an ingest that no production setup would.
ORTHANC_RECOMMENDED: dict[str, object] = {
    "StorageCompression": False,
    "LimitFindResults": 100,
    "LimitFindInstances": 100,
    "KeepAlive": True,
    "TcpNoDelay": True,
    "StorageAccessOnFind": "Never",
    "SaveJobs": False,
    "StableAge": 60,
}


def dcmtk_environment() -> dict[str, str]:
    """This process's environment with ``DCMTK_ENVIRONMENT``: for every dcmtk tool a benchmark starts."""
    return {**os.environ, **DCMTK_ENVIRONMENT}


def orthanc_peer(
    work_dir: Path, *, settings: Mapping[str, object] | None = None, **options: Any,
) -> contextlib.AbstractContextManager[OrthancPacs]:
    """A running Orthanc configured as above, ``settings`` over those (``OrthancPacs.running``'s other options
    pass through)."""
    return OrthancPacs.running(work_dir, settings={**ORTHANC_RECOMMENDED, **(settings or {})},
                               environment=DCMTK_ENVIRONMENT, **options)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def write_corpus(folder: Path, studies: int, spec: StudySpec, seed: int = 7) -> list[Path]:
    """Write synthetic Part 10 files, one subfolder a study; returns the file paths."""
    rng = random.Random(seed)
    paths: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    for study_index in range(studies):
        patient = SyntheticPatient.make(rng)
        study_dir = folder / f"study{study_index:05d}"
        study_dir.mkdir(exist_ok=True)
        for n, ds in enumerate(make_study(patient, spec, seed=seed * 100_000 + study_index)):
            path = study_dir / f"{n:05d}.dcm"
            ds.save_as(path, enforce_file_format=True)
            paths.append(path)
    return paths


# Measurements run back to back inherit each other's leftovers. On ext4 without a journal (the bench VM's root
# file system) creating a file skips over every inode of its block group freed recently, one buffer lookup
# each, and a VM that hands freed memory back to its host makes the next writer pay for fresh pages. Seen:
# the same retrieve alone at 225 and 331/s in two rounds (spoke_bench), and inode allocation at 24% of the
# hub's CPU and 12% of Orthanc's during C-STORE ingest (ingest_bench, ``perf``). So each measurement starts
# from a settled machine, in a folder of its own part of the disk; a journalled file system never pays this.
SETTLE_S = 6.0


def apart(folder: Path) -> None:
    """Let ext4 place each folder made in ``folder`` in its own block group (the Orlov allocator's
    top-directory flag, ``chattr +T``), as if each server had a disk of its own: sharing a group, one
    server's deletions cost the other's file creations (16% of the hub's CPU in a spoke end to end)."""
    with contextlib.suppress(OSError):
        subprocess.run(["chattr", "+T", str(folder)], check=False, capture_output=True)


def settle() -> None:
    """Write back what earlier work left dirty, then let the machine go quiet, before a measurement."""
    os.sync()
    time.sleep(SETTLE_S)


@dataclass
class MemorySampler:
    """Samples the resident set size of a process tree in the background; keeps the peak."""

    pid: int
    interval: float = 0.02
    peak_rss: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> None:
        root = psutil.Process(self.pid)
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                rss = root.memory_info().rss
                for child in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        rss += child.memory_info().rss
                self.peak_rss = max(self.peak_rss, rss)
            time.sleep(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


@dataclass
class CpuWindow:
    """CPU a server process tree used over a measurement, and how much of the machine stood idle or waited on
    the disk: says whether a rate was bound by the cores or by waiting."""

    pid: int
    server_s: float = 0.0  # user + system seconds of the process and its children
    idle_share: float = 0.0  # of all CPU time on the machine
    iowait_share: float = 0.0
    _start: tuple[float, Any] = (0.0, None)

    def _server(self) -> float:
        root = psutil.Process(self.pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def __enter__(self) -> CpuWindow:
        self._start = (self._server(), psutil.cpu_times())
        return self

    def __exit__(self, *exc: object) -> None:
        server, machine = self._start
        self.server_s = self._server() - server
        after = psutil.cpu_times()
        spent = {name: getattr(after, name) - getattr(machine, name) for name in after._fields}
        # guest time is already inside user time on Linux
        whole = sum(value for name, value in spent.items() if name not in ("guest", "guest_nice")) or 1.0
        self.idle_share = spent["idle"] / whole
        self.iowait_share = spent.get("iowait", 0.0) / whole


@contextlib.contextmanager
def hub_process(
    data: Path, *, database: str | None = None, http_port: int | None = None, dicom_port: int | None = None,
    options: Sequence[str] = (),
) -> Iterator[tuple[subprocess.Popen[bytes], int, int]]:
    """Run `imaging-hub serve` as a real subprocess; yields (process, http port, dicom port).

    It runs this checkout's code (``src`` first on its path) with this interpreter, so a benchmark run from a
    worktree measures that worktree, whatever the virtual environment's editable install points at.
    """
    http_port = http_port or free_port()
    dicom_port = dicom_port or free_port()
    command = [
        sys.executable, "-m", "imaging_hub", "serve", "--data", str(data), *options,
        "--http-port", str(http_port), "--dicom-port", str(dicom_port),
        "--open-access",  # an isolated rig: no sign-in, as the Orthanc peer runs without authentication
    ]
    if database:
        command += ["--database", database]
    log = open(data.parent / f"{data.name}-hub.log", "wb")  # noqa: SIM115 - closed below
    path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": path})
    try:
        wait_for_port(http_port, 60)
        wait_for_port(dicom_port, 60)
        yield process, http_port, dicom_port
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def study_search_latencies(
    url: str, queries: Sequence[Mapping[str, str]], repeats: int, limit: int, *, warm: bool = False,
) -> list[float]:
    """Milliseconds per QIDO-RS study search, each query shape ``repeats`` times, over one HTTP connection."""
    latencies: list[float] = []
    with httpx.Client(timeout=60) as client:
        if warm:  # fill the server's caches once; every shape should match something
            for params in queries:
                response = client.get(f"{url}/studies", params={**params, "limit": str(limit)})
                response.raise_for_status()
                if params and response.status_code == 204:
                    print(f"note: no study matches {params}")
        for _ in range(repeats):
            for params in queries:
                start = time.perf_counter()
                response = client.get(f"{url}/studies", params={**params, "limit": str(limit)},
                                      headers={"Accept": "application/dicom+json"})
                response.raise_for_status()
                latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}"


def today() -> str:
    return dt.date.today().isoformat()
