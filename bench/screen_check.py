"""The text screen of this tree against another tree's, frame by frame: the same candidates, and the CPU each takes.

    git -C /work/main archive main | tar -x -C /tmp/old-deid
    PYTHONPATH=src .venv/bin/python bench/screen_check.py --against /tmp/old-deid

Frames: every frame of both ``deid_bench.py`` corpora (``--mix ct``; ``--mix half-pixels`` with text shares
0.2 and 0.1), of the recall sets of seeds 21 and 5 (``burned_in_recall.py``), of the representative set,
and 72 frames without text (speckled sectors, body phantoms, radiographs, 256-1024 px); each grey frame
also as other pixel types (signed 16-bit, 32-bit, float). Exits 1 if any frame's candidates differ.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pydicom
from deid_bench import build_corpus

from imaging_hub.deid import burned_in_screen
from imaging_hub.deid.burned_in import read_frames
from imaging_hub.deid.burned_in_samples import _background, _compose, corpus, representative


def frame_sets() -> Iterator[tuple[str, list[np.ndarray]]]:
    with tempfile.TemporaryDirectory() as tmp:
        for mix, share in (("ct", 0.0), ("half-pixels", 0.2), ("half-pixels", 0.1)):
            paths = build_corpus(Path(tmp, mix), 3, 4, 10, 256, mix, share)
            yield f"bench {mix} {share:g}", [f for p in paths for f in read_frames(pydicom.dcmread(p))]
    for seed in (21, 5):
        yield f"recall seed {seed}", [f for s in corpus(120, seed) for f in read_frames(s.dataset)]
    yield "representative", [f for s in representative() for f in read_frames(s.dataset)]
    rng = random.Random(1)
    free = []
    for kind in ("us", "us-multiframe", "sc", "ct", "cr-monochrome1"):
        for side in (256, 384, 512, 640, 768, 1024):
            for _ in range(2):
                rows, columns = side, side if not kind.startswith("us") else int(side * 4 / 3) // 2 * 2
                generator = np.random.default_rng(rng.randrange(2**32))
                background = _background(kind, rows, columns, generator)
                frames = 2 if kind == "us-multiframe" else 1
                free.extend(_compose(kind, background, np.zeros((rows, columns), np.float32), "white", frames,
                                     generator))
    yield "without text", free


def variants(frame: np.ndarray) -> Iterator[np.ndarray]:
    yield frame
    if frame.ndim == 3:
        return
    if frame.dtype == np.uint8:
        yield frame.astype(np.int16) - 100
        yield frame.astype(np.int32) * 1000 - 7
        yield frame.astype(np.float64) / 255
        yield frame.astype(np.float32) * 3
    else:
        yield (frame.astype(np.int32) - 1024).astype(np.int16)
        yield frame.astype(np.int32) - 5


def load(tree: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("other_screen", tree / "src/imaging_hub/deid/burned_in_screen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def cpu_per_frame(module: ModuleType, frames: list[np.ndarray]) -> float:
    started = time.process_time()
    for frame in frames:
        module.screen(frame)
    return (time.process_time() - started) / len(frames) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, required=True, help="the other tree (its src/ is read)")
    parser.add_argument("--rounds", type=int, default=5, help="alternated timing rounds; the median is shown")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    other = load(args.against)
    compared = with_candidates = different = 0
    print(f"{'frames':<28} {'count':>6} {'other us/frame':>15} {'this us/frame':>14}")
    for name, frames in frame_sets():
        for index, frame in enumerate(frames):
            for variant in variants(frame):
                theirs, ours = other.screen(variant), burned_in_screen.screen(variant)
                compared += 1
                with_candidates += bool(ours)
                if [(c.box, c.characters, c.bright) for c in theirs] != [(c.box, c.characters, c.bright)
                                                                         for c in ours]:
                    different += 1
                    print(f"DIFFERENT: {name} frame {index} {variant.dtype}: {theirs} against {ours}")
        times: dict[str, list[float]] = {"other": [], "this": []}
        for _ in range(args.rounds):
            times["other"].append(cpu_per_frame(other, frames))
            times["this"].append(cpu_per_frame(burned_in_screen, frames))
        print(f"{name:<28} {len(frames):6d} {statistics.median(times['other']):15.0f}"
              f" {statistics.median(times['this']):14.0f}")
    print(f"{compared} frames compared (with other pixel types), {with_candidates} with candidates, "
          f"{different} different")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
