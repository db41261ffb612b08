"""The text screen's shortcuts: frames without text end early with no candidate, frames with text still give
their lines, and the rewritten steps give what the slower ones they replaced gave."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from imaging_hub.deid import burned_in_screen as bs
from imaging_hub.deid.burned_in_samples import make_sample


def _ct(rows: int, seed: int) -> np.ndarray:
    """A 12-bit CT slice without text: a body, a lesion, noise (the benchmark corpus's phantom)."""
    rng = np.random.default_rng(seed)
    y, x = np.ogrid[:rows, :rows]
    body = ((x - rows / 2) / (rows * 0.42)) ** 2 + ((y - rows / 2) / (rows * 0.35)) ** 2 <= 1
    lesion = (x - rows * 0.45) ** 2 + (y - rows / 2) ** 2 <= (rows * 0.06) ** 2
    image = np.where(body, 1064.0, 24.0) + np.where(lesion & body, 136.0, 0.0) + rng.normal(0, 12, (rows, rows))
    return np.clip(image, 0, 4095).astype(np.uint16)


def _speckle(rows: int, seed: int) -> np.ndarray:
    """An 8-bit ultrasound sector of speckle without text."""
    rng = np.random.default_rng(seed)
    columns = rows * 4 // 3
    y, x = np.mgrid[:rows, :columns].astype(np.float32)
    radius = np.hypot(y - rows * 0.12, x - columns / 2)
    sector = (radius < rows * 0.82) & (np.abs(np.arctan2(x - columns / 2, y - rows * 0.12)) < 0.6)
    speckle = rng.rayleigh(0.25, (rows, columns)) * (0.5 + 0.5 * np.sin(radius / 25) ** 2)
    return (np.where(sector, np.clip(speckle, 0, 1), 0) * 255).round().astype(np.uint8)


@pytest.mark.parametrize("rows", [256, 512])
@pytest.mark.parametrize("seed", range(3))
def test_frames_without_text_give_no_candidate(rows: int, seed: int) -> None:
    """The body's outline makes low regions of edged blocks on a CT slice (their crops hold one long
    component each, too few for a line); speckle makes regions too tall for a line."""
    assert bs.screen(_ct(rows, seed)) == []
    assert bs.screen(_speckle(rows, seed)) == []
    assert bs.screen(np.full((rows, rows), 7, np.uint16)) == []


@pytest.mark.parametrize("seed", range(4))
def test_a_ct_slice_with_text_still_gives_every_line(seed: int) -> None:
    rng = random.Random(seed)
    sample = make_sample(rng, "ct", rng.choice(["sans", "mono", "bitmap"]), rng.randrange(10, 21), "white",
                         rng.choice(["top-left", "top-right", "bottom-left", "bottom-right"]), image_size=256)
    found = bs.screen(sample.dataset.pixel_array)
    for line in sample.lines:
        ys, xs = np.nonzero(line.glyphs)
        assert any(x <= xs.mean() <= x + w and y <= ys.mean() <= y + h for (x, y, w, h) in (c.box for c in found)), \
            line.text.split(" ")[0]


@pytest.mark.parametrize("size", [1, 2, 7, 4096, 4097])
def test_the_median_is_the_middle_order_statistic(size: int) -> None:
    """The middle value, or the two middle values averaged in double precision (NumPy's median averages
    float32 values in float32, which the thresholds were not tuned with)."""
    rng = np.random.default_rng(size)
    for values in (rng.random(size).astype(np.float32), (rng.integers(0, 5, size) * 0.2).astype(np.float32)):
        middle = np.sort(values)[(size - 1) // 2:size // 2 + 1]
        assert bs._median(values.reshape(1, -1)) == sum(float(v) for v in middle) / len(middle)


def test_low_regions_are_the_boxes_opencv_statistics_give_in_the_same_order() -> None:
    """Regions are 4-connected: runs touching only at a corner stay apart, as OpenCV's own statistics
    (which cost a pass over every pixel) gave them."""
    rng = np.random.default_rng(1)
    for _ in range(40):
        joined = bs._runs(rng.random((48, 40)) < 0.35)
        tall: list[bs.Region] = []
        regions = bs._low_regions(joined, 192, 160, 24, tall)
        count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=4)
        expected, expected_tall = [], []
        for left, top, width, height, _area in stats[1:count].tolist():
            box = (max(0, top * 4 - 4), min(192, (top + height) * 4 + 4), max(0, left * 4 - 4),
                   min(160, (left + width) * 4 + 4))
            if height > (4 * 24) // 4 + 2:
                expected_tall.append(box)
            elif width >= 3:
                expected.append(box)
        assert (regions, tall) == (expected, expected_tall)
    corner = np.zeros((8, 16), np.uint8)
    corner[2, 0:6] = corner[3, 6:12] = 1  # touching diagonally only
    assert len(bs._low_regions(corner, 32, 64, 24)) == 2


def test_bits_above_bits_stored_are_cleared_before_the_screen_only_when_set() -> None:
    """An overlay in the high bits of 12-bit pixels would look like edges; pixels without one are looked at
    in place (no copy of the frame)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    from imaging_hub.deid.burned_in import read_frames

    pixels = _ct(64, 0)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Rows, ds.Columns, ds.SamplesPerPixel = 64, 64, 1
    ds.BitsAllocated, ds.BitsStored, ds.PixelRepresentation = 16, 12, 0
    ds.PixelData = pixels.tobytes()
    plain = read_frames(ds)
    assert np.array_equal(plain[0], pixels) and not plain.flags.writeable  # a view of the element's bytes
    with_overlay = pixels.copy()
    with_overlay[10:20, 10:40] |= 0x8000
    ds.PixelData = with_overlay.tobytes()
    assert np.array_equal(read_frames(ds)[0], pixels)
