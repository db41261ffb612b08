"""What a person's review of a held instance needs from the engine: a picture of it to look at, and the
masks they decided on applied to every frame (the same way the engine masks text it confirmed)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset

from imaging_hub.deid.burned_in import black_value, decode_writable, read_frames, write_native
from imaging_hub.deid.burned_in_screen import Box, to_8bit
from imaging_hub.deid.errors import Quarantined
from imaging_hub.dicom import CLEAN_PIXEL_DATA_CODE

_METHOD_CODES = 0x00120064  # DeidentificationMethodCodeSequence


def review_frame(ds: Dataset) -> np.ndarray:
    """The first frame as 8-bit grey, stretched to its own range (as the text screen sees it), for a
    reviewer's picture. Does not change ``ds``; Quarantined if the pixels cannot be decoded."""
    return to_8bit(read_frames(ds)[0])


def apply_masks(ds: Dataset, boxes: Sequence[Box]) -> None:
    """Black out ``boxes`` (x, y, width, height) on every frame in place; the pixels are written
    uncompressed and the instance says its pixels were cleaned. No boxes: nothing changes."""
    if not boxes:
        return
    rows, columns = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    for x, y, w, h in boxes:
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > columns or y + h > rows:
            raise Quarantined(f"mask ({x}, {y}, {w}, {h}) is not inside the {columns}x{rows} image")
    frames = decode_writable(ds)
    fill = black_value(ds, frames)
    for frame in frames:
        for x, y, w, h in boxes:
            frame[y : y + h, x : x + w] = fill
    write_native(ds, frames)
    codes = list(ds[_METHOD_CODES].value) if _METHOD_CODES in ds else []
    if not any(str(item.get("CodeValue", "")) == CLEAN_PIXEL_DATA_CODE[0] for item in codes):
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = (
            CLEAN_PIXEL_DATA_CODE[0],
            "DCM",
            CLEAN_PIXEL_DATA_CODE[1],
        )
        ds.DeidentificationMethodCodeSequence = [*codes, item]
