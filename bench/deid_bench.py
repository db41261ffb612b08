"""De-identification throughput: Imaging Hub vs dicognito vs pydicom/deid on the same corpus, same run.

    .venv/bin/python bench/deid_bench.py [--sites 3 --patients 4 --instances 10 --size 256]
        [--mix ct | half-pixels] [--text-share 0.1]

``--mix ct`` (the default) is CT/MR that need no pixel work beyond the text screen every image gets;
``--mix half-pixels`` makes every second instance an 8-bit ultrasound or secondary capture image (the
kinds whose pixels the old rule always OCR'd), of which ``--text-share`` carry three burned-in lines
(name, NHS number, date of birth) that must be read and masked.

Each contender reads every file, de-identifies it and writes the result (the floor is plain pydicom
read + write). Imaging Hub runs as ``imaging-hub deid`` does (single-process and with ``--workers 2``) and,
for reference, as a library call between pydicom's dcmread and save_as. Prints instances/s (the median
of interleaved rounds) and per CPU second of this process, the ratios to dicognito and the peak RSS.
``--only "1 process,no screen"`` adds, for reference, the single process with ``burned_in.examine =
"declared"`` (CT/MR that declare nothing get no text screen): what the screen costs, in the same run.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
from pydicom.uid import SecondaryCaptureImageStorage, UltrasoundImageStorage

from imaging_hub.deid import Deidentifier, Profile, ProjectKey, deidentify_tree
from imaging_hub.deid.batch import deidentify_file
from imaging_hub.deid.burned_in_samples import make_sample
from imaging_hub.dicom.synthetic import StudySpec, make_network_sample
from imaging_hub.logs import silence_value_quoting_libraries

WORK = Path(__file__).parent / ".work" / "deid"


def build_corpus(root: Path, sites: int, patients: int, instances: int, size: int, mix: str = "ct",
                 text_share: float = 0.0) -> list[Path]:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    spec = StudySpec(series=2, instances_per_series=max(1, instances // 2), rows=size, columns=size)
    rng = random.Random(7)
    paths = []
    for n, (_site, _patient, ds) in enumerate(make_network_sample(sites, patients, spec=spec)):
        if mix == "half-pixels" and n % 2:
            ds = _with_text(ds, rng, size) if rng.random() < text_share else _as_8bit_capture(ds, n)
        path = root / f"{n:06d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _as_8bit_capture(ds: pydicom.Dataset, n: int) -> pydicom.Dataset:
    """The same phantom as an 8-bit ultrasound or secondary capture image that declares no text."""
    sop_class = UltrasoundImageStorage if n % 4 == 1 else SecondaryCaptureImageStorage
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.Modality = "US" if sop_class == UltrasoundImageStorage else "OT"
    ds.BurnedInAnnotation = "NO"
    pixels = ds.pixel_array.astype(np.float32)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = (pixels * (255.0 / max(1.0, float(pixels.max())))).astype(np.uint8).tobytes()
    ds["PixelData"].VR = "OB"
    for keyword in ("RescaleIntercept", "RescaleSlope", "RescaleType", "WindowCenter", "WindowWidth"):
        if keyword in ds:
            delattr(ds, keyword)
    return ds


def _with_text(ds: pydicom.Dataset, rng: random.Random, size: int) -> pydicom.Dataset:
    """A generated ultrasound or secondary capture image with the patient's identity burned in."""
    sample = make_sample(rng, rng.choice(["us", "sc"]), rng.choice(["sans", "mono", "bitmap"]),
                         rng.randrange(10, 21), rng.choice(["white", "yellow", "grey"]),
                         rng.choice(["top-left", "top-right", "bottom-left", "bottom-centre"]), image_size=size)
    out = sample.dataset
    out.StudyInstanceUID, out.SeriesInstanceUID = ds.StudyInstanceUID, ds.SeriesInstanceUID
    return out


Rate = tuple[float, float | None]  # instances per wall-clock second, per CPU second of this process


def timed(files: list[Path], out: Path, one: Callable[[Path, Path], None]) -> Rate:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started, cpu = time.perf_counter(), time.process_time()
    for i, path in enumerate(files):
        one(path, out / f"{i:06d}.dcm")
    return len(files) / (time.perf_counter() - started), len(files) / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--patients", type=int, default=4)
    parser.add_argument("--instances", type=int, default=10, help="instances per study")
    parser.add_argument("--size", type=int, default=256, help="rows and columns")
    parser.add_argument("--profile", default="research")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the median is reported")
    parser.add_argument("--mix", choices=("ct", "half-pixels"), default="ct")
    parser.add_argument("--text-share", type=float, default=0.0,
                        help="with --mix half-pixels: the share of the capture images that carry burned-in text")
    parser.add_argument("--only", default="", help="comma-separated contenders to run (dicognito always runs)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    silence_value_quoting_libraries()  # as the command runs (and importing the package did before): no checks

    corpus = WORK / "corpus"
    files = build_corpus(corpus, args.sites, args.patients, args.instances, args.size, args.mix, args.text_share)
    what = "CT/MR" if args.mix == "ct" else f"CT/MR and (every second) US/SC, text share {args.text_share:g},"
    print(f"corpus: {len(files)} {what} instances {args.size}x{args.size},"
          f" {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
          f" Python {sys.version.split()[0]}, pydicom {pydicom.__version__}")
    key = ProjectKey.generate()
    profile = Profile.builtin(args.profile)

    def floor(src: Path, dst: Path) -> None:
        pydicom.dcmread(src).save_as(dst, enforce_file_format=True)

    from dicognito.anonymizer import Anonymizer

    anonymizer = Anonymizer()

    def dicognito_one(src: Path, dst: Path) -> None:
        ds = pydicom.dcmread(src)
        anonymizer.anonymize(ds)
        ds.save_as(dst, enforce_file_format=True)

    from deid.dicom import replace_identifiers

    def deid_one(src: Path, dst: Path) -> None:
        # pydicom/deid's default recipe; it writes to a folder under the source name
        replace_identifiers([str(src)], save=True, overwrite=True, output_folder=str(dst.parent),
                            remove_private=True)

    deid = Deidentifier(profile, key)

    def library(src: Path, dst: Path) -> None:
        ds = pydicom.dcmread(src)
        deid.deidentify(ds)
        ds.save_as(dst, enforce_file_format=True)

    def ours(src: Path, dst: Path) -> None:
        # what `imaging-hub deid` does per file: one read, de-identify, encode, write the file whole and
        # name it by the new UIDs (files.write_atomic)
        result = deidentify_file(deid, corpus, dst.parent, src)
        if result.status != "deidentified":
            raise SystemExit(f"{src.name}: {result.status} {result.reason}")

    unscreened = Deidentifier(replace(profile, burned_in=replace(profile.burned_in, examine="declared")), key)

    def no_screen(src: Path, dst: Path) -> None:
        result = deidentify_file(unscreened, corpus, dst.parent, src)
        if result.status != "deidentified":
            raise SystemExit(f"{src.name}: {result.status} {result.reason}")

    def two_workers() -> Rate:
        with tempfile.TemporaryDirectory(dir=WORK) as tmp:
            report = deidentify_tree(corpus, Path(tmp) / "out", profile, key, workers=2)
            return report.counts["deidentified"] / report.elapsed_s, None  # CPU is spent in the workers

    contenders: dict[str, Callable[[], Rate]] = {
        "pydicom read+write (floor)": lambda: timed(files, WORK / "floor", floor),
        "dicognito": lambda: timed(files, WORK / "dicognito", dicognito_one),
        "pydicom/deid": lambda: timed(files, WORK / "pydicom-deid", deid_one),
        f"imaging-hub {args.profile}, 1 process": lambda: timed(files, WORK / "ours", ours),
        f"imaging-hub {args.profile}, --workers 2": two_workers,
        "deidentify() in dcmread/save_as": lambda: timed(files, WORK / "library", library),
        f"imaging-hub {args.profile}, no screen": lambda: timed(files, WORK / "no-screen", no_screen),
    }
    if not args.only:
        del contenders[f"imaging-hub {args.profile}, no screen"]  # a reference, asked for by name
    else:
        wanted = {"dicognito", *(w.strip() for w in args.only.split(","))}
        contenders = {name: run for name, run in contenders.items() if any(w in name for w in wanted)}
    # Rounds interleave the contenders, so a burst of load from other jobs on a shared machine falls on
    # all of them; each contender's median round is reported. CPU seconds of this process are reported
    # too: on a busy machine they measure the work per instance where wall-clock time cannot.
    rounds: dict[str, list[Rate]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, run in contenders.items():
            rounds[name].append(run())
    wall = {name: statistics.median(r[0] for r in rates) for name, rates in rounds.items()}
    cpu = {name: statistics.median(r[1] for r in rates if r[1] is not None) if rates[0][1] is not None else None
           for name, rates in rounds.items()}
    print(f"\n{'contender':<38} {'wall inst/s':>11} {'vs dicognito':>12} {'CPU inst/s':>11} {'vs dicognito':>12}")
    for name in contenders:
        cpu_rate = cpu[name]
        peer = cpu["dicognito"] or 1.0
        cpu_cells = f"{cpu_rate:11.1f} {cpu_rate / peer:11.2f}x" if cpu_rate else f"{'-':>11} {'-':>12}"
        print(f"{name:<38} {wall[name]:11.1f} {wall[name] / wall['dicognito']:11.2f}x {cpu_cells}")
    print("wall-clock rounds:", {name: [round(r[0]) for r in rates] for name, rates in rounds.items()})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
