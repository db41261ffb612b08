"""Burned-in text: find instances that may carry it, detect text with tesseract OCR, mask it.

OCR is slow, so only instances that may carry burned-in text are examined: BurnedInAnnotation YES, the
modalities and SOP classes known for it (ultrasound, secondary capture, XA/RF, endoscopy and photographs),
derived CR/DX images (screenshots), localisers, and equipment with configured fixed regions. Encapsulated
documents and pixel data that cannot be decoded cannot be made safe: they are quarantined.

A text line is masked when OCR reads a confident word in it or any word that matches the patient's
identifiers; the mask is widened along the line because OCR often misses part of a line (a date after
"DOB:"). Cleaned pixels are written uncompressed (Explicit VR Little Endian), a valid syntax for every IOD.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

from imaging_hub.deid.errors import Quarantined
from imaging_hub.deid.identity import IdentityMatcher
from imaging_hub.deid.profile import BurnedInPolicy
from imaging_hub.deid.raw_values import peek

_MODALITIES = frozenset({"US", "IVUS", "SC", "XA", "RF", "XC", "ES", "GM", "OT", "DOC", "OP", "SM"})
_SOP_PREFIXES = (
    "1.2.840.10008.5.1.4.1.1.7",  # secondary capture family
    "1.2.840.10008.5.1.4.1.1.6.",  # ultrasound
    "1.2.840.10008.5.1.4.1.1.3.1",  # ultrasound multi-frame
    "1.2.840.10008.5.1.4.1.1.77.1.",  # visible light (photographs, endoscopy, slide scans)
    "1.2.840.10008.5.1.4.1.1.12.",  # XA / RF
)
_DOCUMENT_SOP_PREFIX = "1.2.840.10008.5.1.4.1.1.104."  # encapsulated PDF, CDA, STL, OBJ, MTL
_WORD_CONFIDENCE = 60
_LINE_WIDEN = 4  # line heights added to each end of a masked line
_ALNUM = re.compile(r"[A-Za-z0-9]")
_PIXEL_DATA_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)  # PixelData, FloatPixelData, DoubleFloatPixelData
_ENCAPSULATED_DOCUMENT = 0x00420011


@dataclass(frozen=True)
class PixelFacts:
    """What decides whether pixels are examined, read before the header is de-identified."""

    modality: str
    sop_class_uid: str
    burned_in: str
    image_type: tuple[str, ...]
    manufacturer: str
    model: str
    has_pixels: bool
    has_document: bool

    @classmethod
    def of(cls, ds: Dataset) -> PixelFacts:
        # peek, not ds.get: decoding in place would make the writer re-encode values it keeps
        image_type = peek(ds, 0x00080008) or ()
        return cls(
            modality=str(peek(ds, 0x00080060) or "").upper(),
            sop_class_uid=str(peek(ds, 0x00080016) or ""),
            burned_in=str(peek(ds, 0x00280301) or "").upper(),
            image_type=tuple(str(v).upper() for v in ([image_type] if isinstance(image_type, str)
                                                       else image_type)),
            manufacturer=str(peek(ds, 0x00080070) or ""),
            model=str(peek(ds, 0x00081090) or ""),
            has_pixels=any(tag in ds for tag in _PIXEL_DATA_TAGS),
            has_document=_ENCAPSULATED_DOCUMENT in ds,
        )

    def reason_to_examine(self, policy: BurnedInPolicy) -> str | None:
        """Why this instance may carry burned-in text, or None."""
        if self.burned_in == "YES":
            return "BurnedInAnnotation YES"
        if any(r.applies_to(self.manufacturer, self.model) for r in policy.regions):
            return "fixed regions configured for this equipment"
        if self.modality in _MODALITIES:
            return f"modality {self.modality}"
        if self.sop_class_uid.startswith(_SOP_PREFIXES):
            return "SOP class known for burned-in text"
        if self.modality in ("CR", "DX", "MG", "PX") and ({"DERIVED", "SECONDARY"} & set(self.image_type)):
            return f"derived {self.modality} image (possible screenshot)"
        if "LOCALIZER" in self.image_type or "SECONDARY" in self.image_type:
            return "localizer or secondary image"
        return None


def check_pixels(ds: Dataset, facts: PixelFacts, policy: BurnedInPolicy, matcher: IdentityMatcher) -> list[str]:
    """Examine and clean the pixels in place; review notes back, or Quarantined if not possible."""
    if facts.has_document or facts.sop_class_uid.startswith(_DOCUMENT_SOP_PREFIX):
        raise Quarantined("encapsulated document: its content cannot be checked for identifiers")
    if not facts.has_pixels:
        return []
    reason = facts.reason_to_examine(policy)
    if reason is None:
        return []
    if not policy.enabled:
        raise Quarantined(f"may carry burned-in text ({reason}) and the profile does not clean pixels")
    if shutil.which("tesseract") is None:
        raise Quarantined(f"may carry burned-in text ({reason}) and tesseract OCR is not installed")
    frames = _decode(ds)
    boxes = [b for r in policy.regions if r.applies_to(facts.manufacturer, facts.model) for b in r.boxes]
    notes = [f"pixels examined: {reason}"]
    for index in _sample(len(frames), policy.ocr_max_frames):
        boxes.extend(text_boxes(frames[index], matcher, policy.mask_all_text))
    if not boxes:
        return notes
    fill = _black(ds, frames)
    for frame in frames:
        for x, y, w, h in boxes:
            frame[y:y + h, x:x + w] = fill
    _write(ds, frames)
    notes.append(f"burned-in text masked in {len(boxes)} region(s): confirm visually")
    return notes


def _black(ds: Dataset, frames: np.ndarray) -> int:
    """The value that displays black: the top of the stored range for MONOCHROME1, else zero or the least."""
    if str(ds.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        return int(2 ** int(ds.get("BitsStored", 8)) - 1) if frames.dtype.kind == "u" else int(frames.max())
    return 0 if frames.dtype.kind == "u" else int(frames.min())


def _decode(ds: Dataset) -> np.ndarray:
    """All frames as one writable array (frames, rows, columns[, samples]), decompressed in place."""
    try:
        if ds.file_meta.TransferSyntaxUID.is_compressed:
            # also fixes photometric interpretation and the transfer syntax; the instance keeps its keyed
            # UID (a random one would break determinism across sites and every reference to it)
            ds.decompress(generate_instance_uid=False)
        pixels = np.array(ds.pixel_array, copy=True)
    except Exception as exc:  # any decoder failure: the pixels cannot be checked
        raise Quarantined(f"pixel data cannot be decoded ({type(exc).__name__})") from None
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if frames == 1:
        pixels = pixels[np.newaxis, ...]
    if samples == 1 and pixels.ndim == 4:
        pixels = pixels[..., 0]
    return pixels


def _sample(count: int, limit: int) -> list[int]:
    if count <= limit:
        return list(range(count))
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)}) if limit > 1 else [0]


def _to_8bit(frame: np.ndarray) -> np.ndarray:
    image = frame.astype(np.float32)
    if image.ndim == 3:
        image = image.mean(axis=2)
    low, high = float(image.min()), float(image.max())
    if high <= low:
        return np.zeros(image.shape, dtype=np.uint8)
    return ((image - low) * (255.0 / (high - low))).astype(np.uint8)


def text_boxes(frame: np.ndarray, matcher: IdentityMatcher, mask_all_text: bool) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, width, height) of the text lines OCR finds in one frame."""
    import pytesseract
    from PIL import Image

    image = _to_8bit(frame)
    data = pytesseract.image_to_data(Image.fromarray(image), config="--psm 11",
                                     output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], list[int]] = {}
    confirmed: set[tuple[int, int, int]] = set()
    for i, word in enumerate(data["text"]):
        word = word.strip()
        if not word:
            continue
        line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(line, []).append(i)
        alnum = len(_ALNUM.findall(word))
        identity = bool(matcher.redact(word)[1])
        if identity or (mask_all_text and alnum >= 3 and float(data["conf"][i]) >= _WORD_CONFIDENCE):
            confirmed.add(line)
    rows, columns = image.shape
    return [_line_box(data, lines[line], rows, columns) for line in confirmed]


def _line_box(data: dict[str, list[int]], words: Iterable[int], rows: int, columns: int) -> tuple[int, int, int, int]:
    words = list(words)
    left = min(data["left"][i] for i in words)
    top = min(data["top"][i] for i in words)
    right = max(data["left"][i] + data["width"][i] for i in words)
    bottom = max(data["top"][i] + data["height"][i] for i in words)
    height = bottom - top
    pad = max(2, height // 3)
    x0, x1 = max(0, left - _LINE_WIDEN * height), min(columns, right + _LINE_WIDEN * height)
    y0, y1 = max(0, top - pad), min(rows, bottom + pad)
    return (x0, y0, x1 - x0, y1 - y0)


def _write(ds: Dataset, frames: np.ndarray) -> None:
    ds.PixelData = np.ascontiguousarray(frames).tobytes()
    ds["PixelData"].VR = "OW" if int(ds.get("BitsAllocated", 8)) > 8 else "OB"
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    if int(ds.get("SamplesPerPixel", 1) or 1) > 1:
        ds.PlanarConfiguration = 0
    ds.BurnedInAnnotation = "NO"
