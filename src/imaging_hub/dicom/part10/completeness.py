"""Whether a Part 10 file read into a dataset was whole: a file cut off in or before its pixel data.

pydicom reads a cut-off file without complaint: the last value is simply shorter than its header says, or
the elements after the cut are missing. Writing such a dataset back out gives a file no reader accepts
(or an image without pixels), so callers refuse it instead, naming what was cut.
"""

from __future__ import annotations

from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

_UNDEFINED = 0xFFFFFFFF
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def truncation(ds: Dataset, size: int) -> str | None:
    """Why the dataset read from ``size`` bytes is incomplete, or None if it looks whole. Names tags and
    byte counts only, never a value."""
    for elem in ds._dict.values():  # raw elements still carry where their value lay in the file
        if not isinstance(elem, RawDataElement) or elem.length == _UNDEFINED:
            continue
        missing = elem.value_tell + elem.length - size
        if missing > 0:
            name = keyword_for_tag(elem.tag) or "private or unknown"
            return f"file cut off in element {elem.tag} ({name}): {missing} of its {elem.length} bytes are missing"
    has_image = "Rows" in ds and "Columns" in ds
    if has_image and not any(keyword in ds for keyword in _PIXEL_KEYWORDS):
        return "file cut off before its pixel data: it describes an image but holds no pixels"
    return None

