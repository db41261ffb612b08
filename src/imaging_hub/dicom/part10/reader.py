"""Part 10 files read: the common case parsed straight from its bytes, to the dataset pydicom's reader gives.

pydicom reads element by element through a file object, a few Python calls per element. For a file whose
body is little endian (explicit or implicit VR) and whose elements all have a defined length, which is
what an uncompressed CT slice is, the elements are sliced out of the bytes here instead, about 1.6 times
faster. The result is what ``pydicom.dcmread`` returns for the same bytes: the same raw elements (tag, VR,
length, value, offset), the same few elements decoded while reading (the file meta's first element, its
group length and transfer syntax; the body's character set) and the same encodings. Anything else returns
None and is left to pydicom: compressed or other undefined-length values, a command set, big endian,
deflate, a missing file meta, a body not in the VR encoding its transfer syntax names, trailing bytes.
"""

from __future__ import annotations

import io
import struct
from typing import cast

import pydicom
from pydicom.charset import default_encoding
from pydicom.dataelem import DataElement, RawDataElement, empty_value_for_VR
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.tag import BaseTag
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32, VR

_PREFIX_END = 132  # 128-byte preamble, "DICM"
_GROUP = struct.Struct("<H")
_EXPLICIT = struct.Struct("<HH2sH")
_IMPLICIT = struct.Struct("<HHL")
_UL = struct.Struct("<L")
_VRS = {vr.encode(): vr.encode().decode() for vr in VR if len(vr) == 2}  # as pydicom's reader names them
_LONG_VRS = frozenset(str(vr.value) for vr in EXPLICIT_VR_LENGTH_32)
_UNDEFINED = 0xFFFFFFFF
_META_GROUP = 0x0002
_SYNTAXES: dict[str, bool] = {ImplicitVRLittleEndian: True, ExplicitVRLittleEndian: False}  # -> implicit VR
_CHARACTER_SET = 0x00080005

Elements = dict[BaseTag, DataElement | RawDataElement]


def read_part10(data: bytes) -> FileDataset:
    """Parse a Part 10 file already read into memory (raises InvalidDicomError if it is not one): the
    common case straight from the bytes, anything else by pydicom, to the same dataset either way."""
    try:
        parsed = parse_common(data)
    except Exception:  # a damaged file: pydicom's reader decides what it is and what to raise
        parsed = None
    return parsed if parsed is not None else pydicom.dcmread(io.BytesIO(data))


def parse_common(data: bytes) -> FileDataset | None:
    """The file as ``pydicom.dcmread(io.BytesIO(data))`` reads it, or None if it is not the common case."""
    if data[128:_PREFIX_END] != b"DICM":
        return None
    meta_elements, body_start = _elements(data, _PREFIX_END, implicit=False, group=_META_GROUP)
    if not meta_elements:
        return None
    meta = _file_meta(meta_elements, body_start)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    implicit = _SYNTAXES.get(syntax) if isinstance(syntax, str) else None
    if meta is None or implicit is None or not _body_starts_as(data, body_start, implicit):
        return None
    body, end = _elements(data, body_start, implicit=implicit)
    if body is None or end != len(data):
        return None
    ds = FileDataset(io.BytesIO(data), body, data[:128], meta, implicit, True)
    ds.set_original_encoding(implicit, True, ds._character_set)  # decodes (0008,0005) in place, as pydicom
    return ds


def sequence_items(value: bytes, implicit: bool) -> list[Elements] | None:
    """The items of a little-endian sequence value as the raw elements pydicom's reader gives them, when
    every item and element has a defined length; None otherwise (pydicom decodes those)."""
    items: list[Elements] = []
    position, size = 0, len(value)
    while position < size:
        if position + 8 > size:
            return None
        group, element, length = _IMPLICIT.unpack_from(value, position)  # an item: tag and 32-bit length
        start = position + 8
        position = start + length
        if (group, element) != (0xFFFE, 0xE000) or length == _UNDEFINED or position > size:
            return None
        elements, end = _elements(value[start:position], 0, implicit=implicit)
        if elements is None or end != length:
            return None
        items.append(elements)
    return items


def _file_meta(elements: Elements, body_start: int) -> FileMetaDataset | None:
    """The file meta as pydicom leaves it after reading; None where pydicom would log a wrong group length."""
    meta = FileMetaDataset(elements)
    meta.set_original_encoding(False, True, default_encoding)
    meta[next(iter(elements))]  # pydicom decodes the first element to check the meta is explicit VR
    if "FileMetaInformationGroupLength" in meta and meta.FileMetaInformationGroupLength != body_start - 144:
        return None
    return meta


def _body_starts_as(data: bytes, start: int, implicit: bool) -> bool:
    """Whether the first element looks encoded as the transfer syntax says (pydicom switches if not) and
    is not a command set element (pydicom reads those apart)."""
    if start + 6 > len(data) or _GROUP.unpack_from(data, start)[0] == 0x0000:
        return False
    first, second = data[start + 4], data[start + 5]
    looks_explicit = 0x40 < first < 0x5B and 0x40 < second < 0x5B
    return looks_explicit != implicit


def _elements(data: bytes, position: int, *, implicit: bool, group: int | None = None) -> tuple[Elements | None, int]:
    """Raw elements from ``position`` to the end (or, with ``group``, while they are in that group) and
    where they stopped; None for the elements if one is not of the common case."""
    elements: Elements = {}
    size = len(data)
    while position + 8 <= size:
        if group is not None and _GROUP.unpack_from(data, position)[0] != group:
            break
        vr: str | None
        if implicit:
            element_group, element, length = _IMPLICIT.unpack_from(data, position)
            vr, header = None, 8
        else:
            element_group, element, encoded_vr, length = _EXPLICIT.unpack_from(data, position)
            vr, header = _VRS.get(encoded_vr), 8
            if vr is None:
                return None, position
            if vr in _LONG_VRS:
                if position + 12 > size:
                    return None, position
                length, header = _UL.unpack_from(data, position + 8)[0], 12
        start = position + header
        position = start + length
        if length == _UNDEFINED or position > size or element_group == 0xFFFE:
            return None, position
        tag = BaseTag(element_group << 16 | element)
        value = data[start:position] if length else cast(bytes | None, empty_value_for_VR(vr, raw=True))
        elements[tag] = RawDataElement(tag, vr, length, value, start, implicit, True)
    return elements, position
