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

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

import numpy as np

Box = tuple[int, int, int, int]  # x, y, width, height
Region = tuple[int, int, int, int]  # y0, y1, x0, x1: a box of pixels as slices take it

_BLOCK = 4  # side of the coarse blocks
_LOCAL = 15  # side of the window the local mean is taken over (a few glyph widths at 10-20 px)
_CONTRAST = 12.0  # of 255: how far a stroke stands out from its surroundings
_NOISE_MARGIN = 2.5  # times the typical block range (noise) that an edge must exceed
_JOIN = 9  # pixels between characters (and words) of one line that are bridged
_MIN_CHARACTERS = 3  # components on a line before it counts as one
_LIKELY_CHARACTERS = 5  # ...before the screen is sure enough to hold an instance OCR cannot read


_WINDOW = np.ones((_BLOCK, _BLOCK), np.uint8)  # a block, for the dilation and erosion of ``_blockwise``
_JOIN_ROW = np.ones((1, _JOIN), np.uint8)
_RUN = np.ones((1, 4), np.uint8)  # four edged blocks along a row
_WIDEN = np.ones((1, 6), np.uint8)  # a run's blocks and one more each side
_OPENCV_TYPES = frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32, np.float64))
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
    passes over its blocks. Inside a tall region, blocks whose peak stands above the region's typical
    peak are joined the same way, and their strokes are the pixels above that level. Each step is one
    OpenCV call (a compiled pass over the pixels); what is left in Python works on a few boxes. A frame
    with no low region ends after the block passes, and one whose crops hold too few components for a
    line (a body's outline gives one or two per crop) ends at their labelling."""
    cv2 = _opencv()
    image = _grey(frame)
    if min(image.shape) < _BLOCK:
        return []  # no room for a line of text
    low, high, _, _ = cv2.minMaxLoc(image)
    if high <= low:
        return []
    scale = 255.0 / (high - low)  # to the 8-bit range the thresholds are given in
    max_height = max(24, image.shape[0] // 12)
    peaks, troughs = _blockwise(image)
    ranges = (peaks - troughs) * np.float32(scale)
    # above the noise: most blocks show only noise, so their typical range measures it (a count settles
    # the usual case, a quiet frame, where the median is too low to matter, without the median's sort)
    quiet = np.count_nonzero(ranges <= _CONTRAST / _NOISE_MARGIN) > ranges.size // 2
    contrast = _CONTRAST if quiet else max(_CONTRAST, _NOISE_MARGIN * _median(ranges))
    tall: list[Region] = []
    regions = _low_regions(_runs(ranges > contrast), image.shape[0], image.shape[1], max_height, tall)
    texture = _bright_in_texture(peaks, low, scale, max_height, tall) if tall else []
    if not regions and not texture:
        return []  # nothing low enough to be a line: where most frames without text end
    # strokes, both polarities, of each low region, then those standing above the texture, written
    # straight into one stack (crops one above the other, a blank row between) that one labelling reads
    shapes = [(y1 - y0, x1 - x0) for y0, y1, x0, x1 in regions for _ in (True, False)]
    shapes += [(y1 - y0, x1 - x0) for (y0, y1, x0, x1), _ in texture]
    stack, tops = _stack(shapes)
    level = contrast / scale  # in the frame's own units
    origins: list[tuple[int, int, bool]] = []  # where each crop lies in the frame, its polarity
    for y0, y1, x0, x1 in regions:
        crop = image[y0:y1, x0:x1].astype(np.float32)
        difference = crop - cv2.blur(crop, (_LOCAL, _LOCAL), borderType=cv2.BORDER_REPLICATE)
        top = tops[len(origins)]
        np.greater(difference, level, out=stack[top:top + y1 - y0, :x1 - x0])
        top = tops[len(origins) + 1]
        np.less(difference, -level, out=stack[top:top + y1 - y0, :x1 - x0])
        origins += [(y0, x0, True), (y0, x0, False)]
    for (y0, y1, x0, x1), above in texture:
        # over speckle every pixel differs from its neighbours: strokes are what stands above the texture
        top = tops[len(origins)]
        np.greater(image[y0:y1, x0:x1], low + above / scale, out=stack[top:top + y1 - y0, :x1 - x0])
        origins.append((y0, x0, True))
    found = [Candidate((x + x0, y + y0, w, h), n, bright) for (x, y, w, h), n, (y0, x0, bright)
             in _lines(stack, tops, origins, max_height)]
    return [c for c in _merge(found) if c.characters >= _MIN_CHARACTERS]


@lru_cache(maxsize=1)
def _opencv() -> ModuleType:
    """OpenCV, imported when first used (it takes a while) and single-threaded: its passes here are over
    small images, where its thread pool costs more than it saves (measured 75 against 250 us per
    labelling on this 2-core machine under load), and the worker pool already spreads instances over the
    cores. The setting is the process's; nothing else in the hub uses OpenCV."""
    import cv2

    cv2.setNumThreads(1)
    return cv2


@lru_cache(maxsize=1)
def _find_objects() -> Callable[..., list[tuple[slice, slice]]]:
    """SciPy's bounding boxes of labels, imported when first used (scipy.ndimage takes 0.2 s to import)."""
    from scipy.ndimage import find_objects

    return find_objects


def _median(values: np.ndarray) -> float:
    """np.median of a non-empty array without its checks and copies. A full sort, not a partition: on a
    frame's block ranges (many equal values) NumPy's partition took 39 us for 4096 blocks, its sort 6."""
    ordered = np.sort(values, axis=None)
    middle = ordered.size // 2
    if ordered.size % 2:
        return float(ordered[middle])
    return (float(ordered[middle - 1]) + float(ordered[middle])) / 2


def _grey(frame: np.ndarray) -> np.ndarray:
    """One channel, in a type OpenCV's passes take: colour by its brightest channel (yellow stays bright)."""
    image = frame.max(axis=2) if frame.ndim == 3 else frame
    if image.dtype not in _OPENCV_TYPES:
        image = image.astype(np.float32)  # 32-bit integers: no morphology in OpenCV for them
    return np.ascontiguousarray(image)


def _blockwise(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The max and min of each whole 4x4 block (float32): each block row's four pixel rows combined by
    OpenCV, then each block's four columns by NumPy. A dilation and an erosion of the whole frame read at
    every fourth pixel give the same, but write two frames' worth of memory (31 against 24 us at 256 px)."""
    cv2 = _opencv()
    rows, columns = image.shape[0] - image.shape[0] % _BLOCK, image.shape[1] - image.shape[1] % _BLOCK
    a, b, c, d = (image[k:rows:_BLOCK, :columns] for k in range(_BLOCK))
    highest, lowest = cv2.max(cv2.max(a, b), cv2.max(c, d)), cv2.min(cv2.min(a, b), cv2.min(c, d))
    peaks = np.maximum(np.maximum(highest[:, 0::4], highest[:, 1::4]), np.maximum(highest[:, 2::4], highest[:, 3::4]))
    troughs = np.minimum(np.minimum(lowest[:, 0::4], lowest[:, 1::4]), np.minimum(lowest[:, 2::4], lowest[:, 3::4]))
    return peaks.astype(np.float32), troughs.astype(np.float32)


def _stack(shapes: list[tuple[int, int]]) -> tuple[np.ndarray, list[int]]:
    """A blank stack for crops of these shapes, one above the other with a blank row between (no
    component or line joins two), and the row each crop starts at."""
    tops = [0]
    for rows, _ in shapes:
        tops.append(tops[-1] + rows + 1)
    return np.zeros((tops[-1], max(columns for _, columns in shapes)), bool), tops


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


def _low_regions(joined: np.ndarray, rows: int, columns: int, max_height: int,
                 tall: list[Region] | None = None) -> list[Region]:
    """Pixel boxes (y0, y1, x0, x1) around the joined block regions low enough to be lines of text; the
    taller ones (textured areas, where text may sit too) go to ``tall`` if given."""
    cv2 = _opencv()
    b = _BLOCK
    # the boxes of the labels (in row-major order, as OpenCV's statistics would give them) by SciPy: OpenCV
    # computes its statistics over every pixel, background included (25 against 11 us on 64x64 blocks)
    count, labels = cv2.connectedComponents(joined.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    found = []
    # room for a few lines of text together (lines a few pixels apart fall into one region)
    tallest = (4 * max_height) // b + 2
    for block_rows, block_columns in _find_objects()(labels, max_label=count - 1) if count > 1 else ():
        top, bottom, left, right = block_rows.start, block_rows.stop, block_columns.start, block_columns.stop
        y0, x0 = max(0, top * b - b), max(0, left * b - b)
        y1, x1 = min(rows, bottom * b + b), min(columns, right * b + b)
        if bottom - top > tallest:
            if tall is not None:
                tall.append((y0, y1, x0, x1))
            continue
        if right - left < 3:
            continue
        found.append((y0, y1, x0, x1))
    return found


def _runs(edged: np.ndarray) -> np.ndarray:
    """Blocks in runs of four or more along a row, widened by a block each side: an erosion by four
    blocks from each run's start (nothing counts past the edge), then a dilation back over k-1 .. k+4."""
    cv2 = _opencv()
    starts = cv2.erode(edged.view(np.uint8), _RUN, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.dilate(starts, _WIDEN, anchor=(4, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)


def _bright_in_texture(peaks: np.ndarray, low: float, scale: float, max_height: int,
                       tall: list[Region]) -> list[tuple[Region, float]]:
    """Text drawn over speckle or busy anatomy: inside each region too tall to be text, the blocks whose
    peak stands well above the region's typical block peak (by median deviations), joined into runs as
    elsewhere, with the level a stroke must exceed there. Bright text only: an overlay drawn over texture
    is drawn near the top of the range to be read. The regions start on block boundaries, so their block
    peaks are those of the whole frame."""
    b = _BLOCK
    found = []
    for y0, y1, x0, x1 in tall:
        box = (peaks[y0 // b:y0 // b + (y1 - y0) // b, x0 // b:x0 // b + (x1 - x0) // b] - np.float32(low)) \
            * np.float32(scale)
        textured = box[box > _CONTRAST]  # the box holds background beside the texture (a sector's sides)
        if textured.size == 0:
            continue
        typical = _median(textured)
        level = typical + _SPREAD * max(1.0, _median(np.abs(textured - typical)))
        if level >= 255.0:
            continue  # the texture already reaches the top: nothing can stand above it
        for sy0, sy1, sx0, sx1 in _low_regions(_runs(box > level), box.shape[0] * b, box.shape[1] * b,
                                               max_height):
            found.append(((sy0 + y0, sy1 + y0, sx0 + x0, sx1 + x0), level))
    return found


def _enough_components(stack: np.ndarray, tops: list[int], crops: int) -> bool:
    """Whether some crop of the stack holds components enough for a line: a labelling without statistics
    (which OpenCV computes over every pixel, background included: 7 against 30 us on a CT frame's
    stack), each component placed in its crop by one of its pixels."""
    cv2 = _opencv()
    count, labels = cv2.connectedComponents(stack.view(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    if count - 1 < _MIN_CHARACTERS:
        return False
    on = np.flatnonzero(stack)
    pixel_of = np.zeros(count, np.intp)
    pixel_of[labels.ravel()[on]] = on  # any pixel of each component will do
    crop_of = np.searchsorted(np.asarray(tops) * stack.shape[1], pixel_of[1:], side="right") - 1
    return bool((np.bincount(crop_of, minlength=crops) >= _MIN_CHARACTERS).any())


def _lines(stack: np.ndarray, tops: list[int], origins: list[tuple[int, int, bool]], max_height: int) -> list[
    tuple[Box, int, tuple[int, int, bool]]
]:
    """Lines of characters in the stacked crops' strokes, each with the origin of the crop it lies in: one
    labelling of the stack does the work of one per crop, and each component and line is mapped back to
    its crop by position."""
    cv2 = _opencv()
    if not _enough_components(stack, tops, len(origins)):
        return []  # no crop holds components enough for a line (a long edge gives one or two)
    # Grana's block-based labelling: the same components as the default, their statistics 3x faster
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        stack.view(np.uint8), 8, cv2.CV_32S, cv2.CCL_GRANA)
    lefts, tops_of, widths, heights, areas = (stats[1:, i] for i in range(5))
    crop_of = np.searchsorted(tops, tops_of, side="right") - 1
    per_crop = np.bincount(crop_of, minlength=len(origins))
    fill = areas / np.maximum(heights * widths, 1)
    # a character (or a few touching ones): taller than noise, no taller than text gets, strokes not blobs;
    # in a crop with too few components for a line
    character = ((heights >= 4) & (heights <= max_height) & (widths <= 8 * heights + 4)
                 & (fill >= 0.08) & (fill <= 0.85) & (areas >= 4)
                 & (per_crop[crop_of] >= _MIN_CHARACTERS))
    if not character.any():
        return []
    keep = np.zeros(count, np.uint8)
    keep[1:] = character
    glyphs = keep[labels]
    line_count, line_labels = cv2.connectedComponents(cv2.dilate(glyphs, _JOIN_ROW), connectivity=4)
    # every pixel of a character lies on one joined line: read each character's line off its pixels
    line_of = np.zeros(count, np.int32)
    on = glyphs.view(bool)
    line_of[labels[on]] = line_labels[on]
    chars = np.flatnonzero(character)
    lines = line_of[chars + 1]
    per_line = np.bincount(lines, minlength=line_count)
    found = []
    for index in np.flatnonzero(per_line):
        on_line = chars[lines == index]
        y0, y1 = int(tops_of[on_line].min()), int((tops_of[on_line] + heights[on_line]).max())
        x0, x1 = int(lefts[on_line].min()), int((lefts[on_line] + widths[on_line]).max())
        height, width, typical = y1 - y0, x1 - x0, float(np.median(heights[on_line]))
        # one row of characters of much the same height, clearly longer than high
        if height > 1.8 * typical + 2 or width < 2 * height or typical < 5:
            continue
        crop = int(crop_of[on_line[0]])
        found.append(((x0, y0 - tops[crop], width, height), int(per_line[index]), origins[crop]))
    return found
