"""De-identification throughput: Imaging Hub vs dicognito vs pydicom/deid on the same corpus, same run.

    .venv/bin/python bench/deid_bench.py [--sites 3 --patients 4 --instances 10 --size 256]

Each contender reads every file, de-identifies it and writes the result (the floor is plain pydicom
read + write). Imaging Hub runs single-process and with ``--workers 2``. Prints instances/s, the ratio to
dicognito and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pydicom

from imaging_hub.deid import Deidentifier, Profile, ProjectKey, deidentify_tree
from imaging_hub.dicom.synthetic import StudySpec, make_network_sample

WORK = Path(__file__).parent / ".work" / "deid"


def build_corpus(root: Path, sites: int, patients: int, instances: int, size: int) -> list[Path]:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    spec = StudySpec(series=2, instances_per_series=max(1, instances // 2), rows=size, columns=size)
    paths = []
    for n, (_site, _patient, ds) in enumerate(make_network_sample(sites, patients, spec=spec)):
        path = root / f"{n:06d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def timed(name: str, files: list[Path], out: Path, one: Callable[[Path, Path], None]) -> float:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    for i, path in enumerate(files):
        one(path, out / f"{i:06d}.dcm")
    rate = len(files) / (time.perf_counter() - started)
    print(f"{name:<34} {rate:9.1f} instances/s", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--patients", type=int, default=4)
    parser.add_argument("--instances", type=int, default=10, help="instances per study")
    parser.add_argument("--size", type=int, default=256, help="rows and columns")
    parser.add_argument("--profile", default="research")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)

    corpus = WORK / "corpus"
    files = build_corpus(corpus, args.sites, args.patients, args.instances, args.size)
    print(f"corpus: {len(files)} CT/MR instances {args.size}x{args.size}, {platform.processor() or platform.machine()},"
          f" {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, pydicom {pydicom.__version__}")
    key = ProjectKey.generate()
    profile = Profile.builtin(args.profile)
    results: dict[str, float] = {}

    def floor(src: Path, dst: Path) -> None:
        pydicom.dcmread(src).save_as(dst, enforce_file_format=True)

    results["pydicom read+write (floor)"] = timed("pydicom read+write (floor)", files, WORK / "floor", floor)

    from dicognito.anonymizer import Anonymizer

    anonymizer = Anonymizer()

    def dicognito_one(src: Path, dst: Path) -> None:
        ds = pydicom.dcmread(src)
        anonymizer.anonymize(ds)
        ds.save_as(dst, enforce_file_format=True)

    results["dicognito"] = timed("dicognito", files, WORK / "dicognito", dicognito_one)

    from deid.dicom import replace_identifiers

    def deid_one(src: Path, dst: Path) -> None:
        # pydicom/deid's default recipe; it writes to a folder under the source name
        replace_identifiers([str(src)], save=True, overwrite=True, output_folder=str(dst.parent),
                            remove_private=True)

    results["pydicom/deid"] = timed("pydicom/deid", files, WORK / "pydicom-deid", deid_one)

    deid = Deidentifier(profile, key)

    def ours(src: Path, dst: Path) -> None:
        ds = pydicom.dcmread(src)
        deid.deidentify(ds)
        ds.save_as(dst, enforce_file_format=True)

    results[f"imaging-hub {args.profile}, 1 process"] = timed(
        f"imaging-hub {args.profile}, 1 process", files, WORK / "ours", ours)

    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        report = deidentify_tree(corpus, Path(tmp) / "out", profile, key, workers=2)
        rate = report.counts["deidentified"] / report.elapsed_s
        print(f"{'imaging-hub ' + args.profile + ', --workers 2':<34} {rate:9.1f} instances/s", flush=True)
        results[f"imaging-hub {args.profile}, --workers 2"] = rate

    base = results["dicognito"]
    print("\nratio to dicognito (single process):")
    for name, rate in results.items():
        print(f"  {name:<34} {rate / base:5.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
