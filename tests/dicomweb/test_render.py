"""Rendering: windowing, rescale, MONOCHROME1, colour, multi-frame, compressed syntaxes."""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from imaging_hub.dicom.render import RenderError, Window, render_frame
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study


def _saved(tmp_path: Path, photometric: str = "MONOCHROME2") -> Path:
    ds = next(make_study(SyntheticPatient.make(random.Random(1)), StudySpec(rows=20, columns=30)))
    ds.PhotometricInterpretation = photometric
    path = tmp_path / "ct.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_window_is_applied_after_rescale(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    image = _pixels(render_frame(path, window=Window(40, 400)))
    assert image.shape == (20, 30)
    # air (about -1000 HU) is below the soft-tissue window: black; tissue (+40 HU) mid-grey
    assert image[0, 0] == 0
    assert 100 < image[10, 15] < 200


def test_monochrome1_is_inverted(tmp_path: Path) -> None:
    normal = _pixels(render_frame(_saved(tmp_path)))
    inverted = _pixels(render_frame(_saved(tmp_path, "MONOCHROME1")))
    assert np.array_equal(inverted, 255 - normal)


@pytest.mark.parametrize("name,size,frame", [
    ("SC_rgb_rle_2frame.dcm", (100, 100, 3), 2),
    ("SC_rgb_jpeg_dcmtk.dcm", (100, 100, 3), 1),
    ("MR_small_jpeg_ls_lossless.dcm", (64, 64), 1),
    ("JPEG2000.dcm", (1024, 256), 1),
    ("MR_small_bigendian.dcm", (64, 64), 1),
])
def test_compressed_colour_and_multiframe(name: str, size: tuple[int, ...], frame: int) -> None:
    path = get_testdata_file(name)
    assert path is not None
    for media in ("image/png", "image/jpeg"):
        assert _pixels(render_frame(Path(path), frame, media_type=media, quality=70)).shape == size


def test_bad_requests_name_the_problem(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    with pytest.raises(RenderError, match="frame 2"):
        render_frame(path, 2)
    with pytest.raises(RenderError, match="image/gif"):
        render_frame(path, media_type="image/gif")
    with pytest.raises(RenderError, match="width"):
        Window(40, 0)
