"""Refuse at ingest what the hub could store but never serve back.

Two limits, checked on a walk over element headers after the structure check has passed:

- sequences nested deeper than ``MAX_SEQUENCE_NESTING``. PS3.5 sets no limit, but every reader (pydicom's
  parser, the DICOM JSON encoder) recurses per level, so an instance nested a few hundred deep is stored and
  then breaks every metadata, frames and rendered request for it (and metadata for its whole study). Real
  objects nest a handful of levels (an SR content tree rarely passes 10; RT structure sets 4), so 32 leaves
  room for any real object while staying far below what breaks a reader.
- native (uncompressed) Pixel Data shorter than Rows x Columns x SamplesPerPixel x NumberOfFrames x
  BitsAllocated / 8: its last frames do not exist, and serving them would end a response mid-stream.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from imaging_hub.store.errors import InvalidInstance


class _Walker(Protocol):
    """What this check needs of the structure check's element walker (it walks the same bytes)."""

    data: memoryview
    explicit: bool

    def header(self, at: int) -> tuple[int, bytes, int, int]: ...

    def need(self, at: int, length: int, tag: int, end: int | None = ...) -> None: ...

MAX_SEQUENCE_NESTING = 32

_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_PIXEL_DATA = 0x7FE00010
_SAMPLES, _ROWS, _COLUMNS, _BITS, _FRAMES = 0x00280002, 0x00280010, 0x00280011, 0x00280100, 0x00280008
_IMAGE_TAGS = frozenset({_SAMPLES, _ROWS, _COLUMNS, _BITS, _FRAMES})
# Implicit VR LE, explicit VR LE, deflated explicit VR LE, explicit VR BE: pixel data stored uncompressed.
_NATIVE_SYNTAXES = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99",
                              "1.2.840.10008.1.2.2"})


@dataclass
class _Found:
    image: dict[int, bytes] = field(default_factory=dict)  # the top-level image pixel module values
    pixel_length: int | None = None  # defined length of the top-level Pixel Data; None: absent or encapsulated


def check_servable(walker: _Walker, start: int, end: int, *, transfer_syntax: str, little: bool) -> None:
    """Raise InvalidInstance if the data set (already structurally checked) nests sequences too deep or
    holds native pixel data too short for its frames."""
    found = _Found()
    _dataset(walker, start, end, depth=0, delimited=False, found=found)
    if transfer_syntax in _NATIVE_SYNTAXES and found.pixel_length is not None:
        _check_pixel_length(found, little=little)


def _dataset(walker: _Walker, at: int, end: int, *, depth: int, delimited: bool, found: _Found) -> int:
    while at < end:
        tag, vr, length, value_at = walker.header(at)
        if tag == _ITEM_END and delimited:
            return value_at
        if depth == 0 and tag in _IMAGE_TAGS and length != _UNDEFINED:
            found.image[tag] = bytes(walker.data[value_at:value_at + min(length, 16)])
        if depth == 0 and tag == _PIXEL_DATA:
            found.pixel_length = None if length == _UNDEFINED else length
        if tag == _PIXEL_DATA and length == _UNDEFINED:
            at = _fragments(walker, value_at, end)
        elif length == _UNDEFINED or vr == b"SQ" or (not walker.explicit and tag in _sequence_tags()):
            if depth + 1 > MAX_SEQUENCE_NESTING:
                raise InvalidInstance(
                    f"too deeply nested: sequence {_tag(tag)} is nested more than {MAX_SEQUENCE_NESTING} levels "
                    "deep (MAX_SEQUENCE_NESTING)")
            sequence_end = end if length == _UNDEFINED else value_at + length
            at = _items(walker, value_at, sequence_end, depth=depth + 1, delimited=length == _UNDEFINED,
                        implicit_un=vr == b"UN", found=found)
        else:
            at = value_at + length
    if delimited:
        raise InvalidInstance("truncated: sequence item has no item delimiter before the end")
    return at


def _items(walker: _Walker, at: int, end: int, *, depth: int, delimited: bool, implicit_un: bool,
           found: _Found) -> int:
    saved = walker.explicit
    if implicit_un:
        walker.explicit = False  # UN of undefined length holds an implicit VR little endian sequence
    try:
        while at < end:
            tag, _vr, length, value_at = walker.header(at)
            if tag == _SEQUENCE_END and delimited:
                return value_at
            if tag != _ITEM:
                raise InvalidInstance(f"unparsable: {_tag(tag)} where a sequence item belongs")
            if length == _UNDEFINED:
                at = _dataset(walker, value_at, end, depth=depth, delimited=True, found=found)
            else:
                walker.need(value_at, length, tag, end)
                at = _dataset(walker, value_at, value_at + length, depth=depth, delimited=False, found=found)
        if delimited:
            raise InvalidInstance("truncated: sequence has no delimiter before the end")
        return at
    finally:
        walker.explicit = saved


def _fragments(walker: _Walker, at: int, end: int) -> int:
    """Skip encapsulated pixel data fragments (the structure check measured them)."""
    while True:
        tag, _vr, length, value_at = walker.header(at)
        if tag == _SEQUENCE_END:
            return value_at
        at = value_at + length


def _check_pixel_length(found: _Found, *, little: bool) -> None:
    order = "<" if little else ">"

    def unsigned(tag: int, default: int) -> int:
        raw = found.image.get(tag)
        return struct.unpack(order + "H", raw[:2])[0] if raw is not None and len(raw) >= 2 else default

    raw_frames = found.image.get(_FRAMES, b"").decode("ascii", "replace").strip("\x00 ")
    try:
        frames = max(1, int(raw_frames)) if raw_frames else 1
    except ValueError:
        raise InvalidInstance(f"invalid NumberOfFrames: {raw_frames[:16]!r} is not an integer") from None
    rows, columns, samples, bits = unsigned(_ROWS, 0), unsigned(_COLUMNS, 0), unsigned(_SAMPLES, 1), unsigned(_BITS, 8)
    needed = (rows * columns * samples * frames * bits + 7) // 8
    assert found.pixel_length is not None
    if found.pixel_length < needed:
        raise InvalidInstance(
            f"truncated: Pixel Data (7FE0,0010) holds {found.pixel_length} bytes but Rows x Columns x "
            f"SamplesPerPixel x NumberOfFrames x BitsAllocated/8 = {rows} x {columns} x {samples} x {frames} x "
            f"{bits}/8 needs {needed}")


@cache
def _sequence_tags() -> frozenset[int]:
    """Tags the standard dictionary knows as sequences: implicit VR does not say which elements are."""
    from pydicom.datadict import DicomDictionary

    return frozenset(tag for tag, entry in DicomDictionary.items() if entry[0] == "SQ")


def _tag(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
