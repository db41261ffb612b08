"""Ingest and query: Imaging Hub against Orthanc, same corpus, same disk, same run.

    .venv/bin/python bench/ingest_bench.py [--studies 40] [--instances 25] [--size 256] [--index postgresql]

Measures instances/s through C-STORE (dcmtk storescu: concurrently, one association per study folder with
``--parallel`` senders, and over one single association carrying every instance) and through STOW-RS (the
same multipart batches POSTed to both), then QIDO-RS study search latency on both archives holding the same
instances. Every dcmtk tool and Orthanc run with TCP_NODELAY=1, and Orthanc with its recommended settings
(``common.ORTHANC_RECOMMENDED``). Rounds alternate Orthanc and Imaging Hub, each measurement on a settled machine
and in a folder of its own part of the disk (``common.settle``, ``common.apart``); medians are reported. Prints
ratios (Imaging Hub / Orthanc; > 1 means Imaging Hub is faster), and for each server its CPU per instance and
how much of the machine stood idle or waited on the disk while it received (``common.CpuWindow``): whether a
rate was bound by the cores or by waiting.

``--index postgresql`` puts both indexes on the PostgreSQL server ``--server`` (a fresh database for each run):
the hub with ``--database``, Orthanc with the Debian ``orthanc-postgresql`` index plugin (its storage stays
on the file system, as the hub's does).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from common import (
    DCMTK_ENVIRONMENT,
    ORTHANC_RECOMMENDED,
    CpuWindow,
    apart,
    dcmtk_environment,
    dicomweb_plugin,
    hub_process,
    machine_line,
    orthanc_peer,
    percentile,
    settle,
    study_search_latencies,
    today,
    write_corpus,
)

from imaging_hub.dicom.synthetic import StudySpec


def storescu(port: int, ae_title: str, folders: list[Path], parallel: int) -> float:
    """Send every folder (one association each) with `parallel` storescu processes, or with ``parallel`` 0
    every instance over one association; returns seconds."""

    def send(files: list[str]) -> None:
        subprocess.run(
            ["storescu", "-aec", ae_title, "-aet", "BENCH", "127.0.0.1", str(port), *files],
            check=True, capture_output=True, env=dcmtk_environment(),
        )

    groups = [sorted(str(p) for p in folder.glob("*.dcm")) for folder in folders]
    if not parallel:
        groups = [[file for group in groups for file in group]]
    start = time.perf_counter()
    with ThreadPoolExecutor(max(1, parallel)) as pool:
        list(pool.map(send, groups))
    return time.perf_counter() - start


def multipart(paths: Iterable[Path]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for path in paths:
        chunks += [f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode(), path.read_bytes(), b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/related; type="application/dicom"; boundary={boundary}'


def stow(url: str, folders: list[Path], parallel: int) -> float:
    """POST one multipart request per study folder; returns seconds (encoding done before timing)."""
    bodies = [multipart(sorted(folder.glob("*.dcm"))) for folder in folders]

    def post(body: tuple[bytes, str]) -> None:
        response = httpx.post(
            f"{url}/studies", content=body[0],
            headers={"Content-Type": body[1], "Accept": "application/dicom+json"}, timeout=300,
        )
        response.raise_for_status()

    start = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(post, bodies))
    return time.perf_counter() - start


PATHS = ("cstore", "cstore1", "stow")
POSTGRESQL_INDEX_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so")


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on ``server`` (postgresql://user@host:port), dropped afterwards."""
    name = f"ingest_bench_{uuid.uuid4().hex[:12]}"
    admin = f"{server.rstrip('/')}/postgres"
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        yield f"{server.rstrip('/')}/{name}"
    finally:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)


def orthanc_postgresql(url: str) -> dict[str, object]:
    """Orthanc settings for its index in the database at ``url`` (the Debian plugin; storage on disk)."""
    if not POSTGRESQL_INDEX_PLUGIN.exists():
        raise SystemExit("orthanc-postgresql is not installed (scripts/install-system-deps.sh installs it)")
    parsed = urlsplit(url)
    plugins = [str(POSTGRESQL_INDEX_PLUGIN), *[str(p) for p in [dicomweb_plugin()] if p is not None]]
    return {
        "Plugins": plugins,
        "PostgreSQL": {
            "EnableIndex": True, "EnableStorage": False, "Host": parsed.hostname or "127.0.0.1",
            "Port": parsed.port or 5432, "Database": parsed.path.lstrip("/"), "Username": parsed.username or "postgres",
            "Password": parsed.password or "", "Lock": False, "EnableSsl": False,
            # More than one connection lets concurrent C-STOREs write at once (plugin 4.0; the Orthanc Book's advice).
            "IndexConnectionsCount": 5,
        },
    }


def _orthanc_version() -> str:
    """"Orthanc 1.10.1", from its own ``--version``."""
    try:
        out = subprocess.run(["Orthanc", "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return "Orthanc"
    return out.splitlines()[0].strip() if out else "Orthanc"

QUERIES = [
    {"PatientName": "SMITH*"},
    {"StudyDate": "20240101-20241231"},
    {"ModalitiesInStudy": "CT"},
    {"PatientID": "RX1*"},
    {},
]


def _orthanc_index(url: str | None) -> dict[str, Any]:
    return {} if url is None else {"settings": orthanc_postgresql(url)}


@dataclass(frozen=True)
class Receiver:
    """Where a running server takes instances, and its process (for ``CpuWindow``)."""

    pid: int
    dicom_port: int
    ae_title: str
    dicomweb_url: str


@contextlib.contextmanager
def _receiver(name: str, data: Path, index_url: str | None) -> Iterator[Receiver]:
    """Orthanc (as its users configure it) or the hub, running in ``data``; ``index_url`` a PostgreSQL index."""
    if name == "orthanc":
        with orthanc_peer(data, **_orthanc_index(index_url)) as orthanc:
            assert orthanc.process is not None
            yield Receiver(orthanc.process.pid, orthanc.dicom_port, orthanc.ae_title, orthanc.dicomweb_url)
    else:
        with hub_process(data / "hub", database=index_url) as (server, http_port, dicom_port):
            yield Receiver(server.pid, dicom_port, "IMAGINGHUB", f"http://127.0.0.1:{http_port}/dicom-web")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--instances", type=int, default=25, help="instances per study")
    parser.add_argument("--size", type=int, default=256, help="rows = columns of each image")
    parser.add_argument("--parallel", type=int, default=2, help="concurrent senders")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder)")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS),
                        help="ingest paths to measure (default all; cstore1 is one association; QIDO runs with stow)")
    parser.add_argument("--index", choices=("sqlite", "postgresql"), default="sqlite",
                        help="where both archives keep their index (default: each one's own SQLite file)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server for --index postgresql")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.work) as scratch:
        work = Path(scratch)
        apart(work)  # each server's folder in its own part of the disk (see common.SETTLE_S)
        spec = StudySpec(series=1, instances_per_series=args.instances, rows=args.size, columns=args.size)
        write_corpus(work / "corpus", args.studies, spec)
        folders = sorted((work / "corpus").iterdir())
        total = sum(len(list(f.glob("*.dcm"))) for f in folders)
        print(f"corpus: {total} instances of {args.size}x{args.size}, {len(folders)} studies")

        # Rounds alternate the two servers so load from other work on the machine falls on both alike;
        # each measure is the median over rounds.
        rates: dict[str, dict[str, list[float]]] = {n: {p: [] for p in args.paths} for n in ("orthanc", "imaging-hub")}
        windows: dict[str, dict[str, list[CpuWindow]]] = {n: {p: [] for p in args.paths}
                                                          for n in ("orthanc", "imaging-hub")}
        qido: dict[str, list[float]] = {"orthanc": [], "imaging-hub": []}
        for round_number in range(args.rounds):
            for name in ("orthanc", "imaging-hub"):
                for path in args.paths:
                    data = work / f"{name}-{path}-{round_number}"
                    data.mkdir()
                    settle()  # no measurement inherits the last one's dirty pages and freed inodes
                    database = fresh_database(args.server) if args.index == "postgresql" else contextlib.nullcontext()
                    with database as url, _receiver(name, data, url) as receiver:
                        with CpuWindow(receiver.pid) as window:
                            if path.startswith("cstore"):
                                seconds = storescu(receiver.dicom_port, receiver.ae_title, folders,
                                                   0 if path == "cstore1" else args.parallel)
                            else:
                                seconds = stow(receiver.dicomweb_url, folders, args.parallel)
                        if path == "stow":
                            qido[name] += study_search_latencies(receiver.dicomweb_url, QUERIES, 20, 100)
                    rates[name][path].append(total / seconds)
                    windows[name][path].append(window)
                    print(f"round {round_number + 1} {name:12s} {path:7s} {total / seconds:8.1f} instances/s; "
                          f"server CPU {1000 * window.server_s / total:.2f} ms/instance, machine idle "
                          f"{window.idle_share:.0%}, waiting on the disk {window.iowait_share:.0%}")
                    shutil.rmtree(data, ignore_errors=True)
        results = {name: {path: statistics.median(values) for path, values in by_path.items()}
                   for name, by_path in rates.items()}

        hub, orthanc = results["imaging-hub"], results["orthanc"]
        hub_q, orthanc_q = qido["imaging-hub"], qido["orthanc"]
        print()
        print(f"## Ingest and query vs Orthanc ({today()}, {machine_line()})")
        print(f"Command: `.venv/bin/python bench/ingest_bench.py --studies {args.studies} "
              f"--instances {args.instances} --size {args.size} --parallel {args.parallel} --rounds {args.rounds} "
              f"--paths {' '.join(args.paths)} --index {args.index}`; "
              f"{total} instances, median of {args.rounds} alternating rounds.")
        print(f"Peers: storescu and Orthanc with {' '.join(f'{k}={v}' for k, v in DCMTK_ENVIRONMENT.items())};"
              f" {_orthanc_version()} with "
              + ", ".join(f"{k} {v}" for k, v in ORTHANC_RECOMMENDED.items())
              + (" (index in SQLite)." if args.index == "sqlite" else
                 "; both indexes in PostgreSQL (Orthanc: orthanc-postgresql, IndexConnectionsCount 5)."))
        print()
        # Each round's own ratio too: on a shared VM the spread between rounds is part of the result.
        print("| measure | Imaging Hub | Orthanc | ratio (hub/Orthanc) | each round |")
        print("|---|---|---|---|---|")
        for path, label in (("cstore", f"C-STORE (storescu, {args.parallel} senders), instances/s"),
                            ("cstore1", "C-STORE (storescu, one association), instances/s"),
                            ("stow", "STOW-RS, instances/s")):
            if path not in args.paths:
                continue
            each = ", ".join(f"{ours / theirs:.2f}" for ours, theirs in
                             zip(rates["imaging-hub"][path], rates["orthanc"][path], strict=True))
            print(f"| {label} | {hub[path]:.1f} | {orthanc[path]:.1f} | {hub[path] / orthanc[path]:.2f} | {each} |")
        for fraction, label in ((0.5, "p50"), (0.95, "p95")) if hub_q else ():
            ours, theirs = percentile(hub_q, fraction), percentile(orthanc_q, fraction)
            print(f"| QIDO-RS study search {label}, ms | {ours:.1f} | {theirs:.1f} "
                  f"| {theirs / ours:.2f} (speed-up) | |")
        # Whether a rate was bound by the cores or by waiting: the server's CPU per instance and the machine's
        # idle and disk-wait shares while it received (medians over rounds).
        print()
        print("| path | server | server CPU, ms/instance | machine idle | waiting on the disk |")
        print("|---|---|---:|---:|---:|")
        for path in args.paths:
            for name in ("imaging-hub", "orthanc"):
                measured = windows[name][path]
                print(f"| {path} | {name} | {statistics.median(1000 * w.server_s / total for w in measured):.2f} "
                      f"| {statistics.median(w.idle_share for w in measured):.0%} "
                      f"| {statistics.median(w.iowait_share for w in measured):.0%} |")


if __name__ == "__main__":
    main()
