"""Cheap structural check of a Part 10 file: its file meta reads, and every element's length fits the file.

The walk reads element headers only and jumps over values, so a truncated file (an element, including the
pixel data or an encapsulated fragment, declaring more bytes than remain) is caught without decoding it.
It also refuses a data set (at any nesting level, file meta included) whose tags repeat or are not in
ascending order (PS3.5 7.1): readers disagree on which of two copies counts, so a check could see one value
and the index keep the other.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from imaging_hub.dicom.part10 import DEFLATED, FileMeta, Part10Error, read_file_meta
from imaging_hub.store.errors import InvalidInstance
from imaging_hub.store.servable import MAX_SEQUENCE_NESTING, check_servable

_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"})
_LETTERS = range(ord("A"), ord("Z") + 1)
_UPPERCASE_PAIRS = frozenset(bytes((a, b)) for a in _LETTERS for b in _LETTERS)  # what a valid VR looks like
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_PIXEL_DATA = 0x7FE00010
_ANY_PIXEL_DATA = frozenset({0x7FE00008, 0x7FE00009, _PIXEL_DATA})

# Element header layouts by byte order (little endian: True), so one unpack reads a header: tag, VR and
# short length (explicit VR); tag and long length (implicit VR, items); the long length of an explicit one.
_LAYOUTS = {little: (struct.Struct(order + "HH2sH"), struct.Struct(order + "HHL"), struct.Struct(order + "L"))
            for little, order in ((True, "<"), (False, ">"))}


@dataclass(frozen=True)
class CheckedFile(FileMeta):
    """What the file meta says, and what the walk over the dataset found."""

    has_pixel_data: bool = False  # (7FE0,0010), or float / double float pixel data, at the top level
    # The raw (VR or "" when implicit, value bytes) of the top-level elements the caller asked for.
    elements: Mapping[int, tuple[str, bytes]] = field(default_factory=dict)


def check_structure(
    buf: bytes | bytearray | memoryview | mmap.mmap, collect: Collection[int] = frozenset()
) -> CheckedFile:
    """Validate preamble, file meta and the dataset's element lengths; return what the meta says, plus the
    raw values of the top-level elements whose tags are in ``collect`` (read on the same walk)."""
    data = memoryview(buf).cast("B")
    try:
        meta = read_file_meta(data)
    except Part10Error as exc:
        raise InvalidInstance(str(exc)) from None
    body: memoryview = data
    start = meta.dataset_offset
    if meta.transfer_syntax_uid == DEFLATED:
        try:
            body = memoryview(zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[start:]))
        except zlib.error as exc:
            raise InvalidInstance(f"unparsable: deflated dataset does not inflate ({exc})") from None
        start = 0
    walker = _Walker(body, explicit=not meta.implicit_vr, little=meta.little_endian, collect=collect)
    walker.dataset(start, len(body), nested=False)
    check_servable(walker, start, len(body), transfer_syntax=meta.transfer_syntax_uid, little=meta.little_endian)
    return CheckedFile(meta.transfer_syntax_uid, meta.media_sop_instance_uid, meta.dataset_offset,
                       walker.saw_pixels, walker.found)


class _Walker:
    def __init__(self, data: memoryview, *, explicit: bool, little: bool, collect: Collection[int] = ()) -> None:
        self.data = data
        self.size = len(data)
        self.explicit = explicit
        self._short_header, self._long_header, self._long_length = _LAYOUTS[little]
        self.saw_pixels = False
        self.collect = collect
        self.found: dict[int, tuple[str, bytes]] = {}
        self.depth = 0  # sequence items entered

    def need(self, at: int, length: int, tag: int, end: int | None = None) -> None:
        limit = self.size if end is None else end
        if at + length > limit:
            raise InvalidInstance(
                f"truncated: element {_tag(tag)} declares {length} bytes but only {max(limit - at, 0)} remain"
            )

    def header(self, at: int) -> tuple[int, bytes, int, int]:
        """(tag, VR or b'', value length, value offset) of the element starting at ``at``."""
        data = self.data
        if at + 8 > self.size:
            raise InvalidInstance(f"truncated: element header at byte {at} runs past the end")
        if not self.explicit:
            group, element, length = self._long_header.unpack_from(data, at)
            return group << 16 | element, b"", length, at + 8
        group, element, vr, length = self._short_header.unpack_from(data, at)
        tag = group << 16 | element
        if group == 0xFFFE:
            return tag, b"", self._long_length.unpack_from(data, at + 4)[0], at + 8
        if vr in _LONG_VRS:
            if at + 12 > self.size:
                raise InvalidInstance(f"truncated: element {_tag(tag)} header runs past the end")
            return tag, vr, self._long_length.unpack_from(data, at + 8)[0], at + 12
        if vr not in _UPPERCASE_PAIRS:
            raise InvalidInstance(f"unparsable: element {_tag(tag)} has no valid VR")
        return tag, vr, length, at + 8

    def dataset(self, at: int, end: int, *, nested: bool, delimited: bool | None = None) -> int:
        """Walk elements from ``at`` to ``end`` (or an item delimiter when nested and ``delimited``, its
        default); return where it stopped."""
        delimited = nested if delimited is None else delimited
        previous = -1
        while at < end:
            tag, vr, length, value_at = self.header(at)
            if tag == _ITEM_END and delimited:
                return value_at
            # The order and length checks are written out here, calling their helpers only to refuse: this
            # loop runs for every element of every instance stored, twice with the servable check.
            if tag <= previous:
                _in_order(previous, tag)
            previous = tag
            if not nested and tag in _ANY_PIXEL_DATA:
                self.saw_pixels = True
            if length != _UNDEFINED:
                if value_at + length > end:
                    self.need(value_at, length, tag, end)
                if not nested and tag in self.collect:
                    self.found[tag] = (vr.decode("ascii"), bytes(self.data[value_at:value_at + length]))
                if vr == b"SQ":  # explicit VR only: implicit VR does not say which elements are sequences
                    self.sized_items(value_at, value_at + length, tag)
                at = value_at + length
            elif vr == b"UN" or vr == b"SQ" or not self.explicit or tag == _PIXEL_DATA:
                # Undefined length: a sequence of items or encapsulated pixel fragments, to its delimiter.
                at = self.items(value_at, end, tag, implicit_un=vr == b"UN")
            else:
                raise InvalidInstance(f"unparsable: element {_tag(tag)} ({vr.decode()}) has undefined length")
        if delimited:
            raise InvalidInstance("truncated: sequence item has no item delimiter before the end")
        return at

    def items(self, at: int, end: int, owner: int, *, implicit_un: bool) -> int:
        saved = self.explicit
        if implicit_un:
            self.explicit = False  # UN of undefined length holds an implicit VR little endian sequence
        try:
            while True:
                tag, _vr, length, value_at = self.header(at)
                if tag == _SEQUENCE_END:
                    return value_at
                at = self.item(tag, length, value_at, end, owner)
        finally:
            self.explicit = saved

    def sized_items(self, at: int, end: int, owner: int) -> None:
        """The items of a sequence of defined length, up to its end."""
        while at < end:
            tag, _vr, length, value_at = self.header(at)
            at = self.item(tag, length, value_at, end, owner)

    def item(self, tag: int, length: int, value_at: int, end: int, owner: int) -> int:
        """Walk one item's data set (a pixel data fragment is only measured); return where the item ends."""
        if tag != _ITEM:
            raise InvalidInstance(f"unparsable: {_tag(owner)} holds {_tag(tag)} where an item belongs")
        # Bounded here as well as in the servable check: this walk recurses per level, and a file nested
        # thousands of levels deep must be refused, not exhaust the interpreter's stack.
        if self.depth >= MAX_SEQUENCE_NESTING:
            raise InvalidInstance(f"too deeply nested: sequence {_tag(owner)} is nested more than "
                                  f"{MAX_SEQUENCE_NESTING} levels deep (MAX_SEQUENCE_NESTING)")
        self.depth += 1
        try:
            if length == _UNDEFINED:
                return self.dataset(value_at, end, nested=True)
            self.need(value_at, length, owner, end)
            if owner != _PIXEL_DATA:
                self.dataset(value_at, value_at + length, nested=True, delimited=False)
            return value_at + length
        finally:
            self.depth -= 1


def _in_order(previous: int, tag: int) -> int:
    """``tag``, if it follows ``previous`` in its data set; a repeated or out-of-order element is refused."""
    if tag == previous:
        raise InvalidInstance(f"unparsable: element {_tag(tag)} appears twice in one data set")
    if tag < previous:
        raise InvalidInstance(f"unparsable: {_tag(tag)} after {_tag(previous)}; tags must ascend")
    return tag


def _tag(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
