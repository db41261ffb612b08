"""Rendering one frame to a consumer image (PNG or JPEG), as WADO-RS /rendered and thumbnails need.

Greyscale: modality LUT (rescale), then the VOI window (explicit, stored, VOI LUT, or min-max), then
MONOCHROME1 inversion, per PS3.3 C.11. Colour (RGB, YBR_*, PALETTE COLOR) becomes 8-bit RGB.
Only the requested frame is decoded; compressed syntaxes go through pydicom's pylibjpeg/gdcm plugins.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, apply_voi_lut, pixel_array

from imaging_hub.errors import ImagingHubError

RENDER_MEDIA_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}


class RenderError(ImagingHubError, ValueError):
    """The frame cannot be rendered; the message names why."""


@dataclass(frozen=True)
class Window:
    """A linear VOI window (PS3.3 C.11.2.1.2.1)."""

    center: float
    width: float

    def __post_init__(self) -> None:
        if not self.width >= 1:
            raise RenderError(f"window width must be at least 1, got {self.width}")


def render_frame(
    path: Path,
    frame: int = 1,
    *,
    media_type: str = "image/png",
    window: Window | None = None,
    quality: int = 90,
    header: Dataset | None = None,
) -> bytes:
    """Render frame ``frame`` (1-based) of the instance at ``path`` as ``media_type`` bytes."""
    if media_type not in RENDER_MEDIA_TYPES:
        raise RenderError(f"cannot render as {media_type}; use image/png or image/jpeg")
    if not 1 <= quality <= 100:
        raise RenderError(f"quality must be between 1 and 100, got {quality}")
    ds = header if header is not None else dcmread(path, stop_before_pixels=True)
    if "Rows" not in ds or "Columns" not in ds:
        raise RenderError("instance has no image pixel data")
    frames = _frame_count(ds)
    if not 1 <= frame <= frames:
        raise RenderError(f"frame {frame} is out of range 1..{frames}")
    try:
        array = pixel_array(str(path), index=frame - 1)
    except Exception as exc:  # decoder plugins raise many types; the caller needs one
        raise RenderError(f"pixel data could not be decoded: {type(exc).__name__}") from exc
    image = to_display(array, ds, frame, window)
    buffer = io.BytesIO()
    pil = Image.fromarray(image, mode="RGB" if image.ndim == 3 else "L")
    if RENDER_MEDIA_TYPES[media_type] == "JPEG":
        pil.save(buffer, format="JPEG", quality=quality)
    else:
        pil.save(buffer, format="PNG")
    return buffer.getvalue()


def to_display(array: np.ndarray, ds: Dataset, frame: int = 1, window: Window | None = None) -> np.ndarray:
    """8-bit display values (greyscale 2-D or RGB 3-D) of one decoded frame."""
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric == "PALETTE COLOR":
        return _to_uint8(apply_color_lut(array, ds), _palette_max(ds))
    if array.ndim == 3:  # pydicom already converted YBR_* to RGB
        return _to_uint8(array, float(2 ** int(ds.get("BitsStored", 8)) - 1))
    values = _modality(array, ds, frame)
    chosen = window or _stored_window(ds, frame)
    if chosen is not None:
        display = _linear_window(values, chosen)
    elif "VOILUTSequence" in ds:
        display = _min_max(apply_voi_lut(array, ds).astype(np.float64))
    else:
        display = _min_max(values)
    display = np.rint(display)
    if photometric == "MONOCHROME1":
        display = 255 - display
    return display.astype(np.uint8)


def _frame_count(ds: Dataset) -> int:
    try:
        return max(1, int(ds.get("NumberOfFrames") or 1))
    except (TypeError, ValueError):
        return 1


def _functional_group(ds: Dataset, frame: int, sequence: str) -> Dataset | None:
    """The item of a functional group macro for ``frame``: per-frame first, then shared."""
    for container, index in (("PerFrameFunctionalGroupsSequence", frame - 1),
                             ("SharedFunctionalGroupsSequence", 0)):
        groups = ds.get(container)
        if groups is not None and len(groups) > index and sequence in groups[index]:
            items = groups[index][sequence]
            if len(items):
                item: Dataset = items[0]
                return item
    return None


def _first(value: Any) -> float:
    if isinstance(value, list | tuple) or (hasattr(value, "__getitem__") and not isinstance(value, str)):
        value = value[0]
    return float(value)


def _modality(array: np.ndarray, ds: Dataset, frame: int) -> np.ndarray:
    source = _functional_group(ds, frame, "PixelValueTransformationSequence") or ds
    slope = float(source.get("RescaleSlope", 1) or 1)
    intercept = float(source.get("RescaleIntercept", 0) or 0)
    return array.astype(np.float64) * slope + intercept


def _stored_window(ds: Dataset, frame: int) -> Window | None:
    source = _functional_group(ds, frame, "FrameVOILUTSequence") or ds
    center, width = source.get("WindowCenter"), source.get("WindowWidth")
    if center in (None, "") or width in (None, ""):
        return None
    try:
        return Window(_first(center), _first(width))
    except (RenderError, ValueError, TypeError):
        return None  # a broken stored window falls back to the data's own range


def _linear_window(values: np.ndarray, window: Window) -> np.ndarray:
    low = window.center - 0.5 - (window.width - 1) / 2
    scaled = ((values - (window.center - 0.5)) / max(window.width - 1, 1) + 0.5) * 255
    result = np.clip(scaled, 0, 255)
    result[values <= low] = 0
    result[values > window.center - 0.5 + (window.width - 1) / 2] = 255
    return result


def _min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros_like(values, dtype=np.float64)
    return (values - low) / (high - low) * 255


def _palette_max(ds: Dataset) -> float:
    descriptor = ds.get("RedPaletteColorLookupTableDescriptor", [0, 0, 16])
    return float(2 ** int(descriptor[2]) - 1)


def _to_uint8(array: np.ndarray, maximum: float) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    return np.clip(array.astype(np.float64) / max(maximum, 1) * 255, 0, 255).astype(np.uint8)
