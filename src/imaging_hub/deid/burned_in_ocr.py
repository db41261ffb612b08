"""OCR of the lines the screen found, in this process: one tesseract API (tesserocr) per process, reused.

Each line is cut out with a margin, scaled so its characters are about 32 px high (tesseract reads
small text badly), binarised by Otsu's threshold and given dark-on-light; when that reads nothing the
other polarity is tried. Tesseract is asked for one line of text (page segmentation mode 7).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from imaging_hub.deid.burned_in_screen import Box, Candidate
from imaging_hub.errors import ImagingHubError

_TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
             "/usr/share/tessdata")
_TARGET_HEIGHT = 32
_ALNUM = re.compile(r"[A-Za-z0-9]")
_MIN_CONFIDENCE = 45  # mean word confidence (0-100) of a line read as text
_local = threading.local()


class OcrUnavailable(ImagingHubError, RuntimeError):
    """tesserocr or tesseract's English model is missing."""


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float

    @property
    def is_text(self) -> bool:
        return len(_ALNUM.findall(self.text)) >= 2 and self.confidence >= _MIN_CONFIDENCE


@lru_cache(maxsize=1)
def tessdata() -> str:
    for folder in filter(None, (os.environ.get("TESSDATA_PREFIX"), *_TESSDATA)):
        if (Path(folder) / "eng.traineddata").is_file():
            return folder
    raise OcrUnavailable("tesseract's English model (eng.traineddata) is not installed")


def _api() -> Any:
    api = getattr(_local, "api", None)
    if api is None:
        try:
            import tesserocr
        except ImportError:
            raise OcrUnavailable("tesserocr is not installed") from None
        api = tesserocr.PyTessBaseAPI(path=tessdata(), lang="eng", psm=tesserocr.PSM.SINGLE_LINE)
        _local.api = api
    return api


def available() -> bool:
    try:
        _api()
    except (OcrUnavailable, RuntimeError):
        return False
    return True


def read_line(gray: np.ndarray, candidate: Candidate) -> Reading:
    """What tesseract reads in one candidate line of an 8-bit frame."""
    x, y, w, h = candidate.box
    pad = max(3, h // 2)
    crop = gray[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad]
    best = Reading("", 0.0)
    # local contrast first (text over a gradient or an edge), then one global threshold, then the other
    # polarity; each further try only when the last read no text
    for binarise, dark in ((_local_contrast, not candidate.bright), (_otsu, not candidate.bright),
                           (_otsu, candidate.bright)):
        reading = _read(binarise(_scaled(crop, h), dark))
        if reading.confidence > best.confidence:
            best = reading
        if best.is_text:
            break
    return best


def read_frame(gray: np.ndarray) -> list[tuple[Box, Reading]]:
    """Sparse text anywhere in a whole frame (``examine = "all"``): both polarities, small frames doubled."""
    import tesserocr

    api = _api()
    scale = 2 if max(gray.shape) < 1200 else 1
    image = Image.fromarray(gray)
    if scale > 1:
        image = image.resize((gray.shape[1] * scale, gray.shape[0] * scale), Image.Resampling.LANCZOS)
    found = []
    api.SetPageSegMode(tesserocr.PSM.SPARSE_TEXT)
    try:
        for picture in (image, Image.fromarray(255 - np.asarray(image))):
            api.SetImage(picture)
            api.Recognize()
            iterator = api.GetIterator()
            level = tesserocr.RIL.TEXTLINE
            for line in tesserocr.iterate_level(iterator, level) if iterator is not None else ():
                box = line.BoundingBox(level)
                try:
                    text = line.GetUTF8Text(level) or ""
                except RuntimeError:  # tesserocr's word for a line with no text
                    continue
                if box is None:
                    continue
                reading = Reading(text.strip(), float(line.Confidence(level)))
                x0, y0, x1, y1 = (v // scale for v in box)
                found.append(((x0, y0, x1 - x0, y1 - y0), reading))
    finally:
        api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    return found


def _scaled(crop: np.ndarray, text_height: int) -> np.ndarray:
    """Scaled up so the text is about the target height."""
    scale = min(4.0, max(1.0, _TARGET_HEIGHT / max(text_height, 1)))
    if scale == 1.0:
        return crop
    size = (round(crop.shape[1] * scale), round(crop.shape[0] * scale))
    return np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BICUBIC))


def _local_contrast(pixels: np.ndarray, dark_text: bool) -> np.ndarray:
    """Text is what stands out from its neighbourhood, whatever the background does."""
    from scipy import ndimage  # scipy/scikit-image add warnings filters when imported: only when used
    image = pixels.astype(np.float32)
    difference = image - ndimage.uniform_filter(image, max(15, pixels.shape[0] // 2 * 2 + 1), mode="nearest")
    if dark_text:
        difference = -difference
    level = max(6.0, 0.4 * float(np.percentile(difference, 99.5)))
    return _page(difference > level)


def _otsu(pixels: np.ndarray, dark_text: bool) -> np.ndarray:
    from skimage.filters import threshold_otsu  # scipy/scikit-image add warnings filters when imported: only when used
    level = threshold_otsu(pixels) if pixels.min() < pixels.max() else 128
    return _page(pixels <= level if dark_text else pixels > level)


def _page(text: np.ndarray) -> np.ndarray:
    """Black text on white with a margin, as tesseract likes it."""
    return np.pad(np.where(text, 0, 255).astype(np.uint8), 8, constant_values=255)


def _read(binary: np.ndarray) -> Reading:
    api = _api()
    api.SetImage(Image.fromarray(binary))
    text = (api.GetUTF8Text() or "").strip()
    confidences = api.AllWordConfidences()
    return Reading(text, float(np.mean(confidences)) if confidences else 0.0)
