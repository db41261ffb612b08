"""QIDO-RS study search latency on PostgreSQL with 100k and 1M indexed instances.

    .venv/bin/python bench/qido_bench.py [--sizes 100000 1000000] [--database postgresql://postgres@127.0.0.1/postgres]

Index rows are synthesised straight into the database (no files) with the store's bulk loader, then a real
`imaging-hub serve` process answers a fixed mix of study searches over HTTP. Reports p50/p95 per size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from common import hub_process, machine_line, percentile, study_search_latencies, today

from imaging_hub.store import Archive
from imaging_hub.store.bulk import insert_synthetic_index

# Shapes a researcher's search takes, with values the synthetic index holds (bulk.py: patients SYN0-nnnnnnnn,
# accession numbers SYN0Annnnnnnn, study dates 2015-2024, eight modalities).
QUERIES = [
    {"PatientName": "SMITH*"},
    {"PatientID": "SYN0-00012345"},
    {"StudyDate": "20240301-20240331"},
    {"StudyDate": "20240301-20240331", "ModalitiesInStudy": "MR"},
    {"AccessionNumber": "SYN0A00012345"},
    {"PatientName": "*OLIVER*", "StudyDate": "20230101-20231231"},
    {"StudyDescription": "CT*"},
    {"ClinicalTrialProtocolID": "PROJ3", "ModalitiesInStudy": "CT"},
    {},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()

    rows: list[tuple[int, float, float]] = []
    for size in args.sizes:
        name = f"ih_qido_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = args.server.rsplit("/", 1)[0] + f"/{name}"
        try:
            with tempfile.TemporaryDirectory() as scratch:
                data = Path(scratch) / "hub"
                archive = Archive.open(data, url)
                start = time.perf_counter()
                # 10 instances a series, 2 series a study: 1M instances is 50k studies.
                insert_synthetic_index(archive, studies=size // 20, series_per_study=2, instances_per_series=10)
                print(f"{size} instances indexed in {time.perf_counter() - start:.0f}s")
                archive.close()
                with hub_process(data, database=url) as (_, http_port, _dicom):
                    latencies = study_search_latencies(f"http://127.0.0.1:{http_port}/dicom-web", QUERIES,
                                                       args.repeats, 50, warm=True)
                rows.append((size, percentile(latencies, 0.5), percentile(latencies, 0.95)))
                print(f"{size}: p50 {rows[-1][1]:.1f} ms, p95 {rows[-1][2]:.1f} ms")
        finally:
            with psycopg.connect(args.server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print()
    print(f"## QIDO-RS study search on PostgreSQL ({today()}, {machine_line()})")
    print(f"Command: `.venv/bin/python bench/qido_bench.py --sizes {' '.join(map(str, args.sizes))}`; "
          f"{len(QUERIES)} query shapes x {args.repeats}, limit 50, over HTTP to `imaging-hub serve`.")
    print()
    print("| indexed instances | p50 ms | p95 ms | target p95 |")
    print("|---|---|---|---|")
    for size, p50, p95 in rows:
        print(f"| {size:,} | {p50:.1f} | {p95:.1f} | 50 ms at 1M |")


if __name__ == "__main__":
    main()
