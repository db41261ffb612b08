"""A small JPEG picture of an instance's first frame, for lists of series (not for reading images)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pydicom import dcmread
from pydicom.pixels import pixel_array

from imaging_hub.dicom.render import RenderError, to_display

THUMBNAIL_SIDE = 128


def render_thumbnail(path: Path, side: int = THUMBNAIL_SIDE) -> bytes:
    """The first frame, windowed as stored, fitted inside ``side`` x ``side`` pixels, as JPEG bytes."""
    ds = dcmread(path, stop_before_pixels=True)
    if "Rows" not in ds or "Columns" not in ds:
        raise RenderError("instance has no image pixel data")
    try:
        array = pixel_array(str(path), index=0)
    except Exception as exc:  # decoder plugins raise many types; the caller needs one
        raise RenderError(f"pixel data could not be decoded: {type(exc).__name__}") from exc
    image = to_display(array, ds, 1)
    picture = Image.fromarray(image, mode="RGB" if image.ndim == 3 else "L")
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    if max(picture.size) < side:  # small images (a 16x16 test image) are enlarged, not left as a dot
        scale = side / max(picture.size)
        picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
