"""CPU per instance of the archive's store path in process, without a network face in front of it.

Stores a synthetic CT corpus (written once into ``--corpus``) into a fresh archive, one instance at a time as
the C-STORE handler does (a spool written, closed, inspected, ``Archive.store_spooled``) or with
``Archive.store_bytes``, and prints the storing thread's and the whole process's CPU milliseconds per
instance (the thread's user and system time apart: the system time is mostly the file writes, which vary
most from run to run on a shared machine). Run it under another checkout's ``src`` (PYTHONPATH) to measure
that code: it uses only the archive's public API.

    PYTHONPATH=src .venv/bin/python bench/store_cpu_bench.py [--index postgresql] [--path bytes]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.store import Archive


def corpus(folder: Path, studies: int, instances: int, size: int) -> list[bytes]:
    """The corpus's files' bytes, writing them first if the folder has none."""
    files = sorted(folder.glob("*/*.dcm"))
    if not files:
        rng = random.Random(7)
        spec = StudySpec(series=1, instances_per_series=instances, rows=size, columns=size)
        for index in range(studies):
            study_dir = folder / f"study{index:05d}"
            study_dir.mkdir(parents=True, exist_ok=True)
            for n, ds in enumerate(make_study(SyntheticPatient.make(rng), spec, seed=700_000 + index)):
                ds.save_as(study_dir / f"{n:05d}.dcm", enforce_file_format=True)
        files = sorted(folder.glob("*/*.dcm"))
    return [f.read_bytes() for f in files]


def store_all(archive: Archive, instances: list[bytes], path: str) -> None:
    for data in instances:
        if path == "bytes":
            archive.store_bytes(data)
            continue
        spool = archive.spool()
        spool.write(data)
        spool.close()
        archive.inspect(spool)
        (outcome,) = archive.store_spooled([spool])
        if isinstance(outcome, Exception):
            raise outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "store-cpu-corpus")
    parser.add_argument("--studies", type=int, default=20)
    parser.add_argument("--instances", type=int, default=25, help="instances per study")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--index", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--warm-up", type=int, default=20, help="instances stored first, not measured")
    parser.add_argument("--path", choices=("spooled", "bytes"), default="spooled")
    args = parser.parse_args()

    instances = corpus(args.corpus, args.studies, args.instances, args.size)
    database_name = f"store_cpu_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as scratch:
        url = None
        if args.index == "postgresql":
            import psycopg

            with psycopg.connect(args.server + "/postgres", autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {database_name}")
            url = f"{args.server}/{database_name}"
        try:
            with Archive.open(Path(scratch), url) as archive:
                store_all(archive, instances[:args.warm_up], args.path)  # first connections, lazy imports
                measured = instances[args.warm_up:]
                thread_before = resource.getrusage(resource.RUSAGE_THREAD)
                process_before, wall_before = time.process_time(), time.time()
                store_all(archive, measured, args.path)
                thread_after = resource.getrusage(resource.RUSAGE_THREAD)
                process = time.process_time() - process_before
                wall = time.time() - wall_before
        finally:
            if url is not None:
                with psycopg.connect(args.server + "/postgres", autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE {database_name} WITH (FORCE)")
    n = len(measured)
    user = thread_after.ru_utime - thread_before.ru_utime
    system = thread_after.ru_stime - thread_before.ru_stime
    print(f"{args.index} {args.path}: {n} instances, storing thread CPU {1000 * (user + system) / n:.3f} ms/instance "
          f"(user {1000 * user / n:.3f}, system {1000 * system / n:.3f}), process CPU {1000 * process / n:.3f} "
          f"ms/instance, {n / wall:.1f} instances/s")


if __name__ == "__main__":
    main()
