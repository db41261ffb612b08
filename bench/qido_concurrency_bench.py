"""QIDO-RS study searches on a governed hub, idle and under concurrent clients (issue 20: 835 ms median under
20 clients against 23 ms idle).

    PYTHONPATH=src .venv/bin/python bench/qido_concurrency_bench.py [--clients 20] [--searches 30]
        [--hub-src OTHER/src]

Sets up governance in a fresh data folder (a researcher with a dicom:read token under an agreement in force,
as a real network would), stores a few synthetic studies, then runs a real, governed `imaging-hub serve`
(``--hub-src`` picks the source tree the server runs, e.g. a checkout before a change) and searches it: first
one client alone, then ``--clients`` clients at once, each on its own connection. Reports p50/p95 of each.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from common import free_port, machine_line, percentile, today, wait_for_port
from pydicom import dcmwrite

from imaging_hub.config import HubSettings
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.governance import Governance, Role, Scope, administration
from imaging_hub.store import Archive

PROJECT = "BENCH1"
READER = "reader@uni.example"
QUERIES = [{}, {"ModalitiesInStudy": "CT"}, {"PatientName": "*A*"}, {"ClinicalTrialProtocolID": PROJECT}]


def set_up(data: Path, studies: int) -> str:
    """Governance and studies in ``data``; returns the reader's API token."""
    settings = HubSettings(data=data)
    archive = Archive.open(data)
    try:
        for seed in range(studies):
            patient = SyntheticPatient.make(random.Random(seed), site_prefix="RXX")
            for ds in make_study(patient, StudySpec(series=1, instances_per_series=2, rows=16, columns=16), seed=seed):
                ds.ClinicalTrialProtocolID = PROJECT
                buffer = io.BytesIO()
                dcmwrite(buffer, ds, enforce_file_format=True)
                archive.store_bytes(buffer.getvalue())
    finally:
        archive.close()
    gov = Governance.open(settings.database_url)
    try:
        administration.add_organisation(gov, "Bench University", "university")
        administration.add_site(gov, "RXX", "Bench Trust")
        administration.add_person(gov, READER, "Bench Reader", "Bench University")
        administration.add_project(gov, PROJECT, "Bench project", sites=["RXX"])
        administration.grant_role(gov, READER, Role.RESEARCHER.value, project=PROJECT)
        administration.add_agreement(gov, "DSA-BENCH", "Bench University", [PROJECT], "bench", ["imaging"])
        administration.activate_agreement(gov, "DSA-BENCH", "bench")
        token, _ = administration.issue_token(gov, READER, "bench", [Scope.DICOM_READ.value])
    finally:
        gov.close()
    return token


def searches(url: str, token: str, count: int, latencies: list[float], lock: threading.Lock) -> None:
    mine = []
    with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
        for n in range(count):
            params = QUERIES[n % len(QUERIES)]
            start = time.perf_counter()
            answer = client.get(f"{url}/dicom-web/studies", params={**params, "limit": "50"})
            answer.raise_for_status()
            mine.append((time.perf_counter() - start) * 1000)
    with lock:
        latencies.extend(mine)


def run(url: str, token: str, clients: int, count: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=searches, args=(url, token, count, latencies, lock)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--searches", type=int, default=30, help="searches per client")
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--hub-src", type=Path, default=None, help="source tree the server runs (default: ours)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qido-concurrency-") as work:
        data = Path(work) / "hub"
        token = set_up(data, args.studies)
        port = free_port()
        env = dict(os.environ)
        if args.hub_src is not None:
            env["PYTHONPATH"] = str(args.hub_src.resolve())
        command = [sys.executable, "-m", "imaging_hub", "serve", "--data", str(data), "--http-port", str(port),
                   "--dicom-port", str(free_port())]
        with (Path(work) / "hub.log").open("wb") as log:
            server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
            try:
                wait_for_port(port, 60)
                url = f"http://127.0.0.1:{port}"
                run(url, token, 1, 10)  # warm up
                idle = run(url, token, 1, args.searches)
                loaded = run(url, token, args.clients, args.searches)
            finally:
                server.terminate()
                server.wait(20)
    print(f"# {today()}; {machine_line()}; server: {args.hub_src or 'this tree'}")
    print("| clients | searches | p50 ms | p95 ms |")
    print("|---:|---:|---:|---:|")
    for clients, latencies in ((1, idle), (args.clients, loaded)):
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        print(f"| {clients} | {len(latencies)} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
