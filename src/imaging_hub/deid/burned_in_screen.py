"""A cheap screen for burned-in text: where in a frame text lines are likely, without OCR.

Overlay text is thin strokes that differ sharply from their surroundings, in characters of one height
set side by side on a line. The screen marks pixels far from the local mean (either polarity), keeps the
connected components shaped like characters, joins neighbours along rows and keeps the joins that look
like lines: several characters of similar height, much wider than tall. Over speckle or busy anatomy,
where every pixel differs from its neighbours, a line is what stands above the texture's own peaks. It
costs a few filter passes per frame, so it runs on every image with pixel data and OCR is paid only where
a line is found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[int, int, int, int]  # x, y, width, height

_BLOCK = 4  # side of the coarse blocks (``_blockwise`` is written for 4)
_LOCAL = 15  # side of the window the local mean is taken over (a few glyph widths at 10-20 px)
_CONTRAST = 12.0  # of 255: how far a stroke stands out from its surroundings
_NOISE_MARGIN = 2.5  # times the typical block range (noise) that an edge must exceed
_JOIN = 9  # pixels between characters (and words) of one line that are bridged
_MIN_CHARACTERS = 3  # components on a line before it counts as one
_LIKELY_CHARACTERS = 5  # ...before the screen is sure enough to hold an instance OCR cannot read


_EIGHT = np.ones((3, 3), bool)
_SPREAD = 2.0  # in a textured region, how many median deviations above the typical block peak text stands


@dataclass(frozen=True)
class Candidate:
    box: Box
    characters: int
    bright: bool  # text brighter than its surroundings

    @property
    def likely(self) -> bool:
        return self.characters >= _LIKELY_CHARACTERS


def to_8bit(frame: np.ndarray) -> np.ndarray:
    """One grey 8-bit image: colour by its brightest channel (yellow text stays bright), stretched to the
    frame's own range (an overlay is usually drawn at or near the extremes)."""
    image = frame.max(axis=2) if frame.ndim == 3 else frame
    low, high = float(image.min()), float(image.max())
    if high <= low:
        return np.zeros(image.shape, dtype=np.uint8)
    if image.dtype == np.uint8 and low == 0 and high == 255:
        return image
    return ((image.astype(np.float32) - low) * (255.0 / (high - low))).astype(np.uint8)


def screen(frame: np.ndarray) -> list[Candidate]:
    """Boxes of the likely text lines in one frame (grey or colour, any integer type), both polarities.

    First a coarse pass over 4x4 blocks: blocks whose range shows a sharp edge, joined along rows into
    regions; text gives short, low regions, while textured anatomy, speckle and large edges give tall
    ones. Only the low regions get the fine per-pixel pass, so a frame without text costs a few
    vectorised passes over its blocks. Inside a tall region, blocks whose peak stands above the region's
    typical peak are joined the same way, and their strokes are the pixels above that level."""
    from scipy import ndimage  # scipy/scikit-image add warnings filters when imported: only when used
    image = frame.max(axis=2) if frame.ndim == 3 else frame
    low, high = image.min(), image.max()
    if high <= low:
        return []
    scale = 255.0 / (float(high) - float(low))  # to the 8-bit range the thresholds are given in
    max_height = max(24, image.shape[0] // 12)
    found = []
    regions, contrast, tall = _regions(image, scale, max_height)
    for y0, y1, x0, x1 in regions:
        crop = (image[y0:y1, x0:x1].astype(np.float32) - float(low)) * scale
        difference = crop - ndimage.uniform_filter(crop, _LOCAL, mode="nearest")
        for bright in (True, False):
            strokes = difference > contrast if bright else difference < -contrast
            for (x, y, w, h), n in _lines(strokes, max_height):
                found.append(Candidate((x + x0, y + y0, w, h), n, bright))
    for (y0, y1, x0, x1), level in _bright_in_texture(image, scale, max_height, tall):
        # over speckle every pixel differs from its neighbours: strokes are what stands above the texture
        strokes = (image[y0:y1, x0:x1].astype(np.float32) - float(low)) * scale > level
        for (x, y, w, h), n in _lines(strokes, max_height):
            found.append(Candidate((x + x0, y + y0, w, h), n, True))
    return [c for c in _merge(found) if c.characters >= _MIN_CHARACTERS]


def _blockwise(image: np.ndarray, pick: np.ufunc) -> np.ndarray:
    """The max (or min) of each 4x4 block, by elementwise ufuncs over strided views: numpy reduces a
    four-long axis slowly, and these run vectorised."""
    columns = pick(pick(image[:, 0::4], image[:, 1::4]), pick(image[:, 2::4], image[:, 3::4]))
    return pick(pick(columns[0::4], columns[1::4]), pick(columns[2::4], columns[3::4]))


def _merge(candidates: list[Candidate]) -> list[Candidate]:
    """Words of one line found apart (a wide space, a region border) joined into the line."""
    merged: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: c.box[0]):
        for i, m in enumerate(merged):
            if m.bright == c.bright and _same_line(m.box, c.box):
                x, y = min(m.box[0], c.box[0]), min(m.box[1], c.box[1])
                right = max(m.box[0] + m.box[2], c.box[0] + c.box[2])
                bottom = max(m.box[1] + m.box[3], c.box[1] + c.box[3])
                merged[i] = Candidate((x, y, right - x, bottom - y), m.characters + c.characters, c.bright)
                break
        else:
            merged.append(c)
    return merged


def _same_line(a: Box, b: Box) -> bool:
    overlap = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    gap = max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])
    return overlap >= 0.6 * min(a[3], b[3]) and gap <= 2.5 * max(a[3], b[3])


def _regions(image: np.ndarray, scale: float, max_height: int) -> tuple[
    list[tuple[int, int, int, int]], float, list[tuple[int, int, int, int]]
]:
    """Boxes of the low regions of edged blocks (likely lines), the edge contrast, and the tall regions."""
    rows, columns = image.shape
    b = _BLOCK
    usable = image[: rows - rows % b, : columns - columns % b]
    ranges = (_blockwise(usable, np.maximum).astype(np.float32) - _blockwise(usable, np.minimum)) * np.float32(scale)
    # above the noise: most blocks show only noise, so their typical range measures it
    contrast = max(_CONTRAST, _NOISE_MARGIN * float(np.median(ranges)))
    edged = ranges > contrast
    # text makes runs of four or more edged blocks along a row; the sides of outlines (a body, a sector)
    # do not. Runs are kept and widened by a block each side (an opening and a dilation, by shifts: on a
    # grid this small scipy's per-call cost would dominate)
    joined = _runs(edged)
    tall: list[tuple[int, int, int, int]] = []
    return _low_regions(joined, rows, columns, max_height, tall), contrast, tall


def _low_regions(joined: np.ndarray, rows: int, columns: int, max_height: int,
                 tall: list[tuple[int, int, int, int]] | None = None) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (y0, y1, x0, x1) around the joined block regions low enough to be lines of text; the
    taller ones (textured areas, where text may sit too) go to ``tall`` if given."""
    from scipy import ndimage  # scipy/scikit-image add warnings filters when imported: only when used
    b = _BLOCK
    labels, _ = ndimage.label(joined)
    found = []
    # room for a few lines of text together (lines a few pixels apart fall into one region)
    tallest = (4 * max_height) // b + 2
    for region in ndimage.find_objects(labels):
        if region is None:
            continue
        height, width = region[0].stop - region[0].start, region[1].stop - region[1].start
        y0, x0 = max(0, region[0].start * b - b), max(0, region[1].start * b - b)
        y1, x1 = min(rows, region[0].stop * b + b), min(columns, region[1].stop * b + b)
        if height > tallest:
            if tall is not None:
                tall.append((y0, y1, x0, x1))
            continue
        if width < 3:
            continue
        found.append((y0, y1, x0, x1))
    return found


def _runs(edged: np.ndarray) -> np.ndarray:
    """Blocks in runs of four or more along a row, widened by a block each side."""
    starts = edged[:, :-3] & edged[:, 1:-2] & edged[:, 2:-1] & edged[:, 3:]
    joined = np.zeros_like(edged)
    width, runs = edged.shape[1], starts.shape[1]
    for d in range(-1, 5):  # a run starting at block k keeps blocks k-1 .. k+4
        lo, hi = max(0, d), min(width, runs + d)
        if hi > lo:
            joined[:, lo:hi] |= starts[:, lo - d:hi - d]
    return joined


def _bright_in_texture(image: np.ndarray, scale: float, max_height: int,
                       tall: list[tuple[int, int, int, int]]) -> list[tuple[tuple[int, int, int, int], float]]:
    """Text drawn over speckle or busy anatomy: inside each region too tall to be text, the blocks whose
    peak stands well above the region's typical block peak (by median deviations), joined into runs as
    elsewhere, with the level a stroke must exceed there. Bright text only: an overlay drawn over texture
    is drawn near the top of the range to be read."""
    low = float(image.min())
    found = []
    for y0, y1, x0, x1 in tall:
        box = image[y0:y1 - (y1 - y0) % _BLOCK, x0:x1 - (x1 - x0) % _BLOCK]
        peaks = (_blockwise(box, np.maximum).astype(np.float32) - low) * np.float32(scale)
        textured = peaks[peaks > _CONTRAST]  # the box holds background beside the texture (a sector's sides)
        if textured.size == 0:
            continue
        typical = float(np.median(textured))
        level = typical + _SPREAD * max(1.0, float(np.median(np.abs(textured - typical))))
        if level >= 255.0:
            continue  # the texture already reaches the top: nothing can stand above it
        for sy0, sy1, sx0, sx1 in _low_regions(_runs(peaks > level), box.shape[0], box.shape[1], max_height):
            found.append(((sy0 + y0, sy1 + y0, sx0 + x0, sx1 + x0), level))
    return found


def _lines(strokes: np.ndarray, max_height: int) -> list[tuple[Box, int]]:
    from scipy import ndimage  # scipy/scikit-image add warnings filters when imported: only when used
    labels, count = ndimage.label(strokes, structure=_EIGHT)
    if count < _MIN_CHARACTERS:
        return []
    slices = ndimage.find_objects(labels)
    spans = np.array([(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in slices], dtype=np.int32)
    heights, widths = spans[:, 1] - spans[:, 0], spans[:, 3] - spans[:, 2]
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    fill = areas / np.maximum(heights * widths, 1)
    # a character (or a few touching ones): taller than noise, no taller than text gets, strokes not blobs
    character = ((heights >= 4) & (heights <= max_height) & (widths <= 8 * heights + 4)
                 & (fill >= 0.08) & (fill <= 0.85) & (areas >= 4))
    if not character.any():
        return []
    keep = np.zeros(count + 1, bool)
    keep[1:] = character
    glyphs = keep[labels]
    joined = ndimage.binary_dilation(glyphs, structure=np.ones((1, _JOIN), bool))
    line_labels, line_count = ndimage.label(joined)
    # every pixel of a character lies on one joined line: read each character's line off its pixels
    line_of = np.zeros(count + 1, np.int32)
    line_of[labels[glyphs]] = line_labels[glyphs]
    chars = np.flatnonzero(character)
    lines = line_of[chars + 1]
    per_line = np.bincount(lines, minlength=line_count + 1)
    found = []
    for index in np.flatnonzero(per_line):
        on_line = chars[lines == index]
        y0, y1 = int(spans[on_line, 0].min()), int(spans[on_line, 1].max())
        x0, x1 = int(spans[on_line, 2].min()), int(spans[on_line, 3].max())
        height, width, typical = y1 - y0, x1 - x0, float(np.median(heights[on_line]))
        # one row of characters of much the same height, clearly longer than high
        if height > 1.8 * typical + 2 or width < 2 * height or typical < 5:
            continue
        found.append(((x0, y0, width, height), int(per_line[index])))
    return found
