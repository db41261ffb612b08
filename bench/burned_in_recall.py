"""Recall of burned-in text masking on a generated set: every line's glyphs must be set to the mask value.

    .venv/bin/python bench/burned_in_recall.py [--count 120 --seed 21 --profile basic]

Samples come from ``imaging_hub.deid.burned_in_samples``: a name, an NHS number and a date of birth in
DejaVu Sans/Mono 10-20 px or Pillow's bitmap font, at a corner or the middle of an edge, white, yellow or
low-contrast grey, on ultrasound (single and multi-frame), secondary capture, CT that declares nothing and
MONOCHROME1 CR, 256-1024 px, a quarter RLE-compressed. Each instance goes through the de-identifier as
``imaging-hub deid`` runs it (read, de-identify, encode); a held instance counts its lines as not masked
(it is not released, but the measure is of masking). Prints recall per category and overall, the
instances held for review and the time per instance.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import time
import warnings
from collections import Counter

import numpy as np
import pydicom

from imaging_hub.deid import Deidentifier, HeldForReview, Profile, ProjectKey
from imaging_hub.deid.burned_in_samples import Sample, corpus
from imaging_hub.dicom.part10 import encode_part10, read_part10


def masked_lines(data: bytes, sample: Sample) -> list[bool]:
    out = pydicom.dcmread(io.BytesIO(data))
    pixels = out.pixel_array
    if int(out.get("NumberOfFrames", 1) or 1) == 1:
        pixels = pixels[np.newaxis]
    fill = 2 ** int(out.BitsStored) - 1 if out.PhotometricInterpretation == "MONOCHROME1" else 0
    return [bool((pixels[:, line.glyphs] == fill).all()) for line in sample.lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--profile", default="basic")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    deid = Deidentifier(Profile.builtin(args.profile), ProjectKey.generate())
    samples = corpus(args.count, args.seed)
    lines, caught, held, seconds = Counter[str](), Counter[str](), [], []
    for sample in samples:
        buffer = io.BytesIO()
        sample.dataset.save_as(buffer, enforce_file_format=True)
        started = time.perf_counter()
        try:
            data = encode_part10(deid.deidentify(read_part10(buffer.getvalue())).dataset)
        except HeldForReview:
            seconds.append(time.perf_counter() - started)
            held.append(sample.name)
            result = [False] * len(sample.lines)
        else:
            seconds.append(time.perf_counter() - started)
            result = masked_lines(data, sample)
        missed = [line.text.split(" ")[0] for line, ok in zip(sample.lines, result, strict=True) if not ok]
        if missed:
            print(f"missed {len(missed)} line(s) in {sample.name}")
        for category in [*sample.categories(), "overall"]:
            lines[category] += len(result)
            caught[category] += sum(result)
    print(f"\n{'category':<24} {'masked':>7} {'lines':>6} {'recall':>7}")
    for category in sorted(lines, key=lambda c: (c != "overall", c)):
        print(f"{category:<24} {caught[category]:7d} {lines[category]:6d} {caught[category] / lines[category]:7.3f}")
    print(f"\nheld for review: {len(held)} {held}")
    print(f"seconds per instance (de-identify and encode): median "
          f"{statistics.median(seconds):.3f}, max {max(seconds):.3f}")


if __name__ == "__main__":
    main()
