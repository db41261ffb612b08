"""Burned-in text: screen every image for it, read the likely lines with OCR, mask them, hold the rest.

Every image with pixel data goes through a cheap text screen (``burned_in_screen``); OCR, in this process
(``burned_in_ocr``), reads only the lines the screen finds, on at most ``ocr_max_frames`` frames. A profile
may ask for OCR of whole frames too (``examine = "all"``) or for the old rule, only instances declared or
known to carry text (``examine = "declared"``: BurnedInAnnotation YES, ultrasound, secondary capture,
XA/RF, endoscopy and photographs, derived CR/DX, localisers, equipment with fixed regions).

A line is masked when OCR reads text in it (or, with ``mask_all_text`` off, a patient identifier); the
mask is widened along the line because the screen may miss a faint word at an end. Once OCR has read text
in an instance, with ``mask_all_text`` its other candidate lines are masked without reading them: OCR is
most of the cost, and an image that carries text is cleaned more, never less, for it. Lines are read
likeliest first (most characters), so that one read is usually all an image with text costs. An instance that
declares burned-in text, or whose screen found a likely line, and where nothing was masked, is not
released: HeldForReview carries the proposed boxes. Pixels with nothing masked are left as they are;
cleaned pixels are written uncompressed (Explicit VR Little Endian), a valid syntax for every IOD.
Encapsulated documents and pixel data that cannot be decoded cannot be made safe: they are quarantined.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag
from pydicom.uid import ExplicitVRLittleEndian

from imaging_hub.deid import burned_in_ocr as ocr
from imaging_hub.deid.burned_in_screen import Box, screen, to_8bit
from imaging_hub.deid.errors import HeldForReview, Quarantined
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
_PIXEL_DATA = 0x7FE00010
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


@dataclass(frozen=True)
class PixelResult:
    """What the pixel check did: notes for the reviewer and the boxes masked on every frame."""

    notes: list[str] = field(default_factory=list)
    masks: tuple[Box, ...] = ()


def check_pixels(ds: Dataset, facts: PixelFacts, policy: BurnedInPolicy, matcher: IdentityMatcher) -> PixelResult:
    """Screen, read and clean the pixels in place. Raises Quarantined if they cannot be checked, and
    HeldForReview if text is declared or likely and nothing could be masked."""
    if facts.has_document or facts.sop_class_uid.startswith(_DOCUMENT_SOP_PREFIX):
        raise Quarantined("encapsulated document: its content cannot be checked for identifiers")
    if not facts.has_pixels:
        return PixelResult()
    reason = facts.reason_to_examine(policy)
    if reason is None and policy.examine == "declared":
        return PixelResult()
    if not policy.enabled:
        if reason is None:
            return PixelResult()
        raise Quarantined(f"may carry burned-in text ({reason}) and the profile does not clean pixels")
    frames = read_frames(ds)
    masks = [b for r in policy.regions if r.applies_to(facts.manufacturer, facts.model) for b in r.boxes]
    unresolved: list[Box] = []
    text_read = False  # OCR has read text in this instance: with mask_all_text its other lines go unread
    for index in _sample(len(frames), policy.ocr_max_frames):
        candidates = [c for c in screen(frames[index]) if not _covered(c.box, masks)]
        if policy.examine != "all" and not candidates:
            continue
        gray = to_8bit(frames[index])
        if not ocr.available():
            raise Quarantined(f"pixels may carry text ({reason or 'screen'}) and OCR (tesserocr) is not available")
        confirmed, doubtful = [], []
        # the likeliest lines first (most characters): the first read as text ends the reading of the rest
        for candidate in sorted(candidates, key=lambda c: -c.characters):
            if text_read and policy.mask_all_text:
                confirmed.append(candidate.box)  # masked as text is: reading it would change nothing but cost
                continue
            reading = ocr.read_line(gray, candidate)
            if _to_mask(reading, matcher, policy.mask_all_text):
                confirmed.append(candidate.box)
                text_read = text_read or reading.is_text
            elif not reading.is_text:
                doubtful.append(candidate)
        masks.extend(_widen(box, gray.shape) for box in _blocks(confirmed, [c.box for c in doubtful]))
        unresolved.extend(_widen(c.box, gray.shape) for c in doubtful
                          if c.likely and not _covered(c.box, masks) and not _covered(c.box, unresolved))
        if policy.examine == "all":
            masks.extend(_widen(box, gray.shape) for box, reading in ocr.read_frame(gray)
                         if _to_mask(reading, matcher, policy.mask_all_text) and not _covered(box, masks))
    notes = [f"pixels examined: {reason or 'text screen'}"] if reason or masks or unresolved else []
    if not masks:
        if unresolved or facts.burned_in == "YES":
            why = "the text screen found likely text that OCR could not read" if unresolved else \
                "BurnedInAnnotation YES and no text was found to mask"
            raise HeldForReview(why, tuple(unresolved))
        return PixelResult(notes)
    masks.extend(unresolved)  # text confirmed in this image: lines like it are masked too
    writable = decode_writable(ds)
    fill = black_value(ds, writable)
    for frame in writable:
        for x, y, w, h in masks:
            frame[y:y + h, x:x + w] = fill
    write_native(ds, writable)
    notes.append(f"burned-in text masked in {len(masks)} region(s): confirm visually")
    return PixelResult(notes, tuple(masks))


def _to_mask(reading: ocr.Reading, matcher: IdentityMatcher, mask_all_text: bool) -> bool:
    return (mask_all_text and reading.is_text) or bool(matcher.redact(reading.text)[1])


def _blocks(confirmed: list[Box], doubtful: list[Box]) -> list[Box]:
    """Confirmed lines with the unread candidates beside them (a line over anatomy reads badly), and each
    block of two or more stacked lines grown by one line above and below, where the screen may have
    missed a line over a busy background."""
    boxes = list(confirmed)
    pending = list(doubtful)
    grew = bool(boxes)
    while grew and pending:
        grew = False
        for box in list(pending):
            if any(_stacked(box, other) for other in boxes):
                boxes.append(box)
                pending.remove(box)
                grew = True
    blocks: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b[1]):
        for block in blocks:
            if any(_stacked(box, other) for other in block):
                block.append(box)
                break
        else:
            blocks.append([box])
    grown = []
    for block in blocks:
        if len(block) < 2:
            grown.extend(block)
            continue
        step = max(b[3] for b in block) * 3 // 2 + 2
        x0, y0 = min(b[0] for b in block), min(b[1] for b in block) - step
        x1, y1 = max(b[0] + b[2] for b in block), max(b[1] + b[3] for b in block) + step
        grown.append((x0, max(0, y0), x1 - x0, y1 - max(0, y0)))
    return grown


def _stacked(a: Box, b: Box) -> bool:
    """Lines of one block: overlapping columns, at most about one line apart."""
    columns = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    gap = max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3])
    return columns > 0 and gap <= 1.5 * max(a[3], b[3]) + 2


def _widen(box: Box, shape: tuple[int, ...]) -> Box:
    """A line's box with room for what the screen did not see: antialiased edges, accents and descenders
    above and below, a faint word at either end."""
    x, y, w, h = box
    pad_y, pad_x = max(2, h // 3), 4 * h
    x0, y0 = max(0, x - pad_x), max(0, y - pad_y)
    x1, y1 = min(shape[1], x + w + pad_x), min(shape[0], y + h + pad_y)
    return (x0, y0, x1 - x0, y1 - y0)


def _covered(box: Box, masks: Iterable[Box]) -> bool:
    x, y, w, h = box
    return any(mx <= x and my <= y and mx + mw >= x + w and my + mh >= y + h for mx, my, mw, mh in masks)


def read_frames(ds: Dataset) -> np.ndarray:
    """All frames (frames, rows, columns[, samples]) for looking at, without changing ``ds``: native
    pixels straight from their bytes, anything else through pydicom's decoders."""
    try:
        native = _native_frames(ds)
        if native is not None:
            return native
        pixels = ds.pixel_array
    except Exception as exc:  # any decoder failure: the pixels cannot be checked
        raise Quarantined(f"pixel data cannot be decoded ({type(exc).__name__})") from None
    return _as_frames(ds, pixels)


def _native_frames(ds: Dataset) -> np.ndarray | None:
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if syntax is None or syntax.is_compressed or not syntax.is_little_endian:
        return None
    element = ds._dict.get(BaseTag(_PIXEL_DATA))
    bits = int(peek(ds, 0x00280100) or 0)
    if element is None or bits not in (8, 16) or not isinstance(element.value, bytes):
        return None
    rows, columns = int(peek(ds, 0x00280010) or 0), int(peek(ds, 0x00280011) or 0)
    samples = int(peek(ds, 0x00280002) or 1)
    frames = int(peek(ds, 0x00280008) or 1)
    signed = int(peek(ds, 0x00280103) or 0) == 1
    dtype = np.dtype(("<i" if signed else "<u") + str(bits // 8))
    count = frames * rows * columns * samples
    if count == 0 or len(element.value) < count * dtype.itemsize:
        return None
    flat = np.frombuffer(element.value, dtype, count=count)
    stored = int(peek(ds, 0x00280101) or bits)
    if not signed and stored < bits and int(flat.max()) >> stored:
        flat = flat & np.array((1 << stored) - 1, dtype)  # bits above BitsStored hold something (overlays)
    if samples == 1:
        return flat.reshape(frames, rows, columns)
    if int(peek(ds, 0x00280006) or 0) == 1:
        return flat.reshape(frames, samples, rows, columns).transpose(0, 2, 3, 1)
    return flat.reshape(frames, rows, columns, samples)


def _as_frames(ds: Dataset, pixels: np.ndarray) -> np.ndarray:
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if frames == 1:
        pixels = pixels[np.newaxis, ...]
    if samples == 1 and pixels.ndim == 4:
        pixels = pixels[..., 0]
    return pixels


def black_value(ds: Dataset, frames: np.ndarray) -> int:
    """The value that displays black: the top of the stored range for MONOCHROME1, else zero or the least."""
    if str(ds.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        return int(2 ** int(ds.get("BitsStored", 8)) - 1) if frames.dtype.kind == "u" else int(frames.max())
    return 0 if frames.dtype.kind == "u" else int(frames.min())


def decode_writable(ds: Dataset) -> np.ndarray:
    """All frames as one writable array, decompressed in place (the cleaned pixels are written native)."""
    try:
        if ds.file_meta.TransferSyntaxUID.is_compressed:
            # also fixes photometric interpretation and the transfer syntax; the instance keeps its keyed
            # UID (a random one would break determinism across sites and every reference to it)
            ds.decompress(generate_instance_uid=False)
        pixels = np.array(ds.pixel_array, copy=True)
    except Exception as exc:  # any decoder failure: the pixels cannot be checked
        raise Quarantined(f"pixel data cannot be decoded ({type(exc).__name__})") from None
    return _as_frames(ds, pixels)


def _sample(count: int, limit: int) -> list[int]:
    if count <= limit:
        return list(range(count))
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)}) if limit > 1 else [0]


def write_native(ds: Dataset, frames: np.ndarray) -> None:
    ds.PixelData = np.ascontiguousarray(frames).tobytes()
    ds["PixelData"].VR = "OW" if int(ds.get("BitsAllocated", 8)) > 8 else "OB"
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    if int(ds.get("SamplesPerPixel", 1) or 1) > 1:
        ds.PlanarConfiguration = 0
    ds.BurnedInAnnotation = "NO"
