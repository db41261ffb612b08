"""Peak server memory while retrieving a large study over WADO-RS.

    .venv/bin/python bench/wado_memory_bench.py [--gigabytes 1.0]

Writes a synthetic study of the requested size into a hub's archive, starts `imaging-hub serve`, retrieves the
whole study as multipart/related and samples the server's resident set size throughout. The peer is Orthanc
(Debian `orthanc` with its DICOMweb plugin) holding the same files, retrieved the same way in the same run.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from common import MemorySampler, hub_process, machine_line, orthanc_peer, today

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.store import Archive


@dataclass(frozen=True)
class Retrieval:
    received: int
    seconds: float
    idle_rss: int
    peak_rss: int


def retrieve(pid: int, dicomweb_url: str, study_uid: str) -> Retrieval:
    """GET the whole study as multipart/related, sampling the server's RSS (its process tree) throughout."""
    idle_rss = psutil.Process(pid).memory_info().rss
    received = 0
    start = time.perf_counter()
    with MemorySampler(pid) as sampler, httpx.stream(
        "GET", f"{dicomweb_url}/studies/{study_uid}",
        headers={"Accept": 'multipart/related; type="application/dicom"'}, timeout=600,
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes(1 << 20):
            received += len(chunk)
    return Retrieval(received, time.perf_counter() - start, idle_rss, sampler.peak_rss)


def archive_files(data: Path, study_uid: str) -> list[Path]:
    with Archive.open(data) as archive:
        return [i.path for i in archive.instances(study_uid)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    args = parser.parse_args()

    size = 512
    per_instance = size * size * 2
    count = int(args.gigabytes * 2**30 / per_instance)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "hub"
        archive = Archive.open(data)
        patient = SyntheticPatient.make(random.Random(3))
        spec = StudySpec(series=4, instances_per_series=count // 4, rows=size, columns=size)
        study_uid = ""
        staging = Path(scratch) / "staging.dcm"
        for ds in make_study(patient, spec, seed=11):
            study_uid = ds.StudyInstanceUID
            ds.save_as(staging, enforce_file_format=True)
            archive.store_file(staging)
        stored = sum(i.size for i in archive.instances(study_uid))
        archive.close()
        print(f"study of {count} instances, {stored / 2**30:.2f} GiB stored")

        with hub_process(data) as (process, http_port, _):
            hub = retrieve(process.pid, f"http://127.0.0.1:{http_port}/dicom-web", study_uid)
        with orthanc_peer(Path(scratch) / "orthanc") as orthanc:
            assert orthanc.process is not None
            with httpx.Client(base_url=orthanc.http_url, timeout=60) as client:
                for stored_instance in archive_files(data, study_uid):
                    client.post("/instances", content=stored_instance.read_bytes()).raise_for_status()
            peer = retrieve(orthanc.process.pid, orthanc.dicomweb_url, study_uid)

    print()
    print(f"## WADO-RS retrieve memory ({today()}, {machine_line()})")
    print(f"Command: `.venv/bin/python bench/wado_memory_bench.py --gigabytes {args.gigabytes}`.")
    print()
    print("| server | bytes received | RSS idle | RSS peak | throughput | target |")
    print("|---|---|---|---|---|---|")
    for name, result in (("Imaging Hub", hub), ("Orthanc", peer)):
        print(f"| {name} | {result.received / 2**30:.2f} GiB | {result.idle_rss / 2**20:.0f} MB "
              f"| {result.peak_rss / 2**20:.0f} MB | {result.received / 2**20 / result.seconds:.0f} MB/s "
              f"| < 300 MB peak |")
    print(f"\nStudy {stored / 2**30:.2f} GiB ({count} instances). Peak RSS ratio (hub/Orthanc): "
          f"{hub.peak_rss / peer.peak_rss:.2f}; throughput ratio: "
          f"{(hub.received / hub.seconds) / (peer.received / peer.seconds):.2f}.")

if __name__ == "__main__":
    main()
