"""DIMSE associations, pynetdicom's polling reactors vs quiet ones (``imaging_hub.dimse.quiet_reactors``, opt-in).

Each mode runs in its own process (switching the reactors on cannot be undone), modes interleaved per round:
  idle       CPU of the process while 4 associations stay open and idle (each end has 2 threads), and how
             often each of those 8 threads was woken per second (Linux: voluntary context switches)
  echo       200 C-ECHOs one after another on one association (a request's round trip)
  open       20 x (associate, C-ECHO, release): association set-up and tear-down
  store      the hub's DicomServer receiving N instances from dcmtk's storescu on one association, storescu
             run with TCP_NODELAY=1 (the fair setup: a peer that does not hold small PDUs back), wall time and
             the hub process's CPU per instance

    .venv/bin/python bench/dimse_idle_bench.py [--idle-seconds 3] [--instances 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _wakeups(thread_id: int | None) -> int:
    status = Path(f"/proc/self/task/{thread_id}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("voluntary_ctxt_switches"))


def measure_echo(idle_seconds: float) -> dict[str, float]:
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

    accepted: list[object] = []
    scp = AE(ae_title="IDLESCP")
    scp.add_supported_context(Verification)
    scu = AE(ae_title="IDLESCU")
    scu.add_requested_context(Verification)
    server = scp.start_server(("127.0.0.1", 0), block=False,
                              evt_handlers=[(evt.EVT_ESTABLISHED, lambda event: accepted.append(event.assoc))])
    assert server is not None
    port = int(server.server_address[1])
    try:
        assocs = [scu.associate("127.0.0.1", port) for _ in range(4)]
        assert all(a.is_established and a.send_c_echo().Status == 0 for a in assocs)
        time.sleep(0.5)
        threads = [t for a in [*assocs, *accepted] for t in (a, a.dul)]  # type: ignore[attr-defined]
        before = [_wakeups(t.native_id) for t in threads]
        cpu, wall = time.process_time(), time.perf_counter()
        time.sleep(idle_seconds)
        elapsed = time.perf_counter() - wall
        idle = (time.process_time() - cpu) / elapsed
        wakeups = max(_wakeups(t.native_id) - b for t, b in zip(threads, before, strict=True)) / elapsed
        started = time.perf_counter()
        for _ in range(200):
            assocs[0].send_c_echo()
        echo = (time.perf_counter() - started) / 200
        for a in assocs:
            a.release()
        started = time.perf_counter()
        for _ in range(20):
            a = scu.associate("127.0.0.1", port)
            a.send_c_echo()
            a.release()
        opened = (time.perf_counter() - started) / 20
    finally:
        server.shutdown()
    return {"idle": idle, "wakeups": wakeups, "echo": echo, "open": opened}


def measure_store(instances: int) -> dict[str, float]:
    from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
    from imaging_hub.dimse import DicomServer
    from imaging_hub.hub import ArchiveForDicom
    from imaging_hub.store import Archive

    with tempfile.TemporaryDirectory(prefix="dimse-bench-") as tmp:
        folder = Path(tmp)
        spec = StudySpec(rows=256, columns=256, series=1, instances_per_series=instances)
        files = []
        for n, ds in enumerate(make_study(SyntheticPatient.make(random.Random(5), "RX1"), spec, seed=5)):
            files.append(folder / f"{n}.dcm")
            ds.save_as(files[-1], enforce_file_format=True)
        archive = Archive.open(folder / "hub")
        try:
            with DicomServer(ArchiveForDicom(archive), port=0) as server:
                cpu, wall = time.process_time(), time.perf_counter()
                result = subprocess.run(
                    ["storescu", "-aec", "IMAGINGHUB", "127.0.0.1", str(server.port), *map(str, files)],
                    env={**os.environ, "TCP_NODELAY": "1"}, capture_output=True, text=True, check=False,
                )
                elapsed = time.perf_counter() - wall
                used = time.process_time() - cpu
            assert result.returncode == 0 and archive.count_instances() == instances, result.stderr[-500:]
        finally:
            archive.close()
    return {"store_rate": instances / elapsed, "store_cpu_ms": 1000 * used / instances}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mode", choices=("stock", "quiet"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        if args.mode == "quiet":
            from imaging_hub.dimse import quiet_reactors

            assert quiet_reactors()
        result = {**measure_echo(args.idle_seconds), **measure_store(args.instances)}
        print(" ".join(f"{k}={v}" for k, v in result.items()))
        return
    runs: dict[str, list[dict[str, float]]] = {"stock": [], "quiet": []}
    for _ in range(args.rounds):
        for mode in runs:
            out = subprocess.run(
                [sys.executable, __file__, "--mode", mode, "--idle-seconds", str(args.idle_seconds),
                 "--instances", str(args.instances)], check=True, capture_output=True, text=True,
            ).stdout.split()
            runs[mode].append({k: float(v) for k, v in (item.split("=") for item in out)})

    def show(mode: str, key: str, scale: float, digits: int) -> str:
        values = [scale * run[key] for run in runs[mode]]
        return f"{statistics.median(values):.{digits}f} ({', '.join(f'{v:.{digits}f}' for v in values)})"

    print(f"DIMSE reactors, pynetdicom polling (stock) vs quiet, median (each round) ({time.strftime('%Y-%m-%d')})")
    rows = (("CPU, 4 idle associations, % of a core", "idle", 100, 1),
            ("wake-ups/s of the busiest idle thread", "wakeups", 1, 0),
            ("C-ECHO round trip, ms", "echo", 1000, 2),
            ("associate + C-ECHO + release, ms", "open", 1000, 1),
            (f"storescu (TCP_NODELAY=1) -> hub, {args.instances} x 256x256, instances/s", "store_rate", 1, 1),
            ("hub CPU per stored instance, ms", "store_cpu_ms", 1, 2))
    for label, key, scale, digits in rows:
        print(f"  {label}: {show('stock', key, scale, digits)} vs {show('quiet', key, scale, digits)}")


if __name__ == "__main__":
    main()
