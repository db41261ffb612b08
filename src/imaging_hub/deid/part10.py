"""Part 10 bytes in and out, fast: one read, one parse, and a few buffers written with one system call.

The de-identifier leaves every element it keeps unchanged as pydicom's raw element (the bytes as read),
so the writer here copies those bytes with a hand-packed header instead of passing each through
pydicom's general element writer. Everything else (elements the engine changed, sequences it walked) is
encoded by pydicom. Only the common case takes the fast path: a little-endian body written in the
encoding it was read in and with the character set it was read with; any other dataset is written by
``pydicom.dcmwrite`` unchanged, so output is byte-for-byte what pydicom would write.

:func:`encode_part10_buffers` gives the file as a list of buffers whose concatenation is the file: large
raw values (Pixel Data) are passed on as they are rather than copied into one big bytes object, so a
writer can hand them to ``os.writev`` and a hash without copying half a megabyte per CT slice twice.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from typing import Any

import pydicom
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset, validate_file_meta
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.tag import BaseTag
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, DeflatedExplicitVRLittleEndian
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32

from imaging_hub.deid.part10_reader import parse_common
from imaging_hub.deid.raw_values import text_value

PREAMBLE = b"\x00" * 128 + b"DICM"
_LONG_VRS = frozenset(str(vr) for vr in EXPLICIT_VR_LENGTH_32)
_EXPLICIT_SHORT = struct.Struct("<HH2sH")
_EXPLICIT_LONG = struct.Struct("<HH2s2xL")
_IMPLICIT = struct.Struct("<HHL")
_UL = struct.Struct("<L")
_UNDEFINED = 0xFFFFFFFF
_SEPARATE = 64 * 1024  # values this long are passed on as buffers of their own
PIXEL_DATA = 0x7FE00010
_META_TEXT_VRS = frozenset({"UI", "SH", "AE"})
_MEMO_TYPES = frozenset({str, int})  # exact types (a subclass such as IS encodes itself); no floats (-0.0 == 0.0)
_ENCODED: dict[tuple[object, ...], bytes] = {}
Charset = str | Sequence[str] | None  # a SpecificCharacterSet value
MEDIA_SOP_CLASS_UID = 0x00020002
MEDIA_SOP_INSTANCE_UID = 0x00020003
TRANSFER_SYNTAX_UID = 0x00020010
# what validate_file_meta adds when missing or empty, and the Type 1 elements it requires
_REQUIRED_META = tuple(BaseTag(tag) for tag in (0x00020001, MEDIA_SOP_CLASS_UID, MEDIA_SOP_INSTANCE_UID,
                                                 TRANSFER_SYNTAX_UID, 0x00020012))
_IMPLEMENTATION_VERSION_NAME = BaseTag(0x00020013)  # added when missing


def read_part10(data: bytes) -> FileDataset:
    """Parse a Part 10 file already read into memory (raises InvalidDicomError if it is not one): the
    common case straight from the bytes, anything else by pydicom, to the same dataset either way."""
    try:
        parsed = parse_common(data)
    except Exception:  # a damaged file: pydicom's reader decides what it is and what to raise
        parsed = None
    return parsed if parsed is not None else pydicom.dcmread(io.BytesIO(data))


def encode_part10(ds: Dataset) -> bytes:
    """The dataset as a Part 10 file, as ``ds.save_as(..., enforce_file_format=True)`` writes it (the file
    meta is completed in place the same way) but with a zero preamble: the input's preamble, which may
    hold anything, is never copied."""
    return b"".join(encode_part10_buffers(ds))


def encode_part10_buffers(ds: Dataset) -> list[bytes]:
    """:func:`encode_part10` as buffers to be written one after another; large raw values uncopied."""
    syntax = _fast_path_syntax(ds)
    if syntax is None:
        ds.preamble = None
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        return [buffer.getvalue()]
    meta = ds.file_meta
    _complete_file_meta(meta)
    pixels = ds._dict.get(BaseTag(PIXEL_DATA))
    if pixels is not None and _undefined_length(pixels) != syntax.is_compressed:
        ds[PIXEL_DATA].is_undefined_length = syntax.is_compressed  # PS3.5 A.4, as dcmwrite does
    return _as_buffers([PREAMBLE, _encode_meta(meta), *_body_pieces(ds, syntax.is_implicit_VR)])


def new_file_meta(sop_class_uid: UID, sop_instance_uid: UID, transfer_syntax_uid: UID,
                  implementation_version_name: str) -> FileMetaDataset:
    """File Meta Information for a file of ours, complete as pydicom's writer would complete it (version
    00\\01 and pydicom's implementation class UID, which every file written so far records), made element by
    element: assigning attributes looks up each keyword and validates each value twice, about 2x slower."""
    meta = FileMetaDataset()
    for tag, vr, value in (
        (0x00020001, "OB", b"\x00\x01"),
        (0x00020002, "UI", sop_class_uid),
        (0x00020003, "UI", sop_instance_uid),
        (0x00020010, "UI", transfer_syntax_uid),
        (0x00020012, "UI", PYDICOM_IMPLEMENTATION_UID),
        (0x00020013, "SH", implementation_version_name),
    ):
        meta._dict[BaseTag(tag)] = DataElement(tag, vr, value)
    return meta


def _complete_file_meta(meta: FileMetaDataset) -> None:
    """``validate_file_meta(meta, enforce_standard=True)``, skipped where it would neither add, decode
    nor raise anything: every element in group 2 and every element it needs decoded and not empty."""
    elements = meta._dict
    if (_IMPLEMENTATION_VERSION_NAME not in elements or any(tag >> 16 != 0x0002 for tag in elements)
            or not all(_decoded_with_value(elements.get(tag)) for tag in _REQUIRED_META)):
        validate_file_meta(meta, enforce_standard=True)


def _decoded_with_value(elem: DataElement | RawDataElement | None) -> bool:
    return isinstance(elem, DataElement) and not elem.is_empty


def _as_buffers(pieces: list[bytes]) -> list[bytes]:
    """The file's pieces as few buffers: runs of small pieces joined, values of ``_SEPARATE`` bytes or more
    kept as they are (written and hashed straight from the parsed file's bytes, not copied again)."""
    buffers: list[bytes] = []
    start = 0
    for index in [i for i, piece in enumerate(pieces) if len(piece) >= _SEPARATE]:
        buffers += [b"".join(pieces[start:index]), pieces[index]]
        start = index + 1
    buffers.append(b"".join(pieces[start:]))
    return [buffer for buffer in buffers if buffer]


def encode_value(elem: DataElement, *, implicit: bool) -> bytes:
    """The little-endian encoding of one element's value (what a raw element of it holds)."""
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, implicit
    write_data_element(buffer, elem)
    header = 8 if implicit or elem.VR not in _LONG_VRS else 12
    if elem.is_undefined_length:
        raise ValueError("only elements of defined length can be held raw")
    return buffer.getvalue()[header:]


def _fast_path_syntax(ds: Dataset) -> UID | None:
    """The output transfer syntax when the raw elements' bytes are valid as they are in it, else None."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        return None
    syntax = _value(meta, TRANSFER_SYNTAX_UID)
    meta_instance, meta_class = _value(meta, MEDIA_SOP_INSTANCE_UID), _value(meta, MEDIA_SOP_CLASS_UID)
    if not syntax or not meta_instance or not meta_class:
        return None
    for meta_uid, tag in ((meta_instance, 0x00080018), (meta_class, 0x00080016)):
        if tag in ds._dict and meta_uid != text_value(ds, tag):
            return None  # dcmwrite's path brings the meta up to date
    syntax = UID(str(syntax))
    if not syntax.is_transfer_syntax or syntax.is_private or syntax == DeflatedExplicitVRLittleEndian:
        return None
    if not syntax.is_little_endian or ds.original_encoding != (syntax.is_implicit_VR, True):
        return None
    return syntax if ds.original_character_set == ds._character_set else None


def _value(ds: Dataset, tag: int) -> Any:
    """``ds.get(keyword)`` by tag: the value, decoded in place like pydicom does, None when absent."""
    return ds[tag].value if tag in ds._dict else None


def _undefined_length(elem: DataElement | RawDataElement) -> bool:
    if isinstance(elem, RawDataElement):
        return elem.length == _UNDEFINED
    return elem.is_undefined_length


def _encode_meta(meta: FileMetaDataset) -> bytes:
    """The File Meta Information group, its group length first."""
    group = DicomBytesIO()
    group.is_little_endian, group.is_implicit_VR = True, False
    for tag in sorted(meta.keys()):
        if tag == 0x00020000:
            continue
        elem = meta[tag]
        value = elem.value
        if elem.VR in _META_TEXT_VRS and isinstance(value, str) and value.isascii():
            data = value.encode("ascii")
            pad = b"\x00" if elem.VR == "UI" else b" "
        elif elem.VR == "OB" and isinstance(value, bytes):
            data, pad = value, b"\x00"
        else:
            write_data_element(group, elem)
            continue
        if len(data) % 2:
            data += pad
        header = _EXPLICIT_LONG if elem.VR == "OB" else _EXPLICIT_SHORT
        group.write(header.pack(tag >> 16, tag & 0xFFFF, elem.VR.encode(), len(data)))
        group.write(data)
    encoded = group.getvalue()
    return _EXPLICIT_SHORT.pack(0x0002, 0x0000, b"UL", 4) + _UL.pack(len(encoded)) + encoded


def _body_pieces(ds: Dataset, implicit: bool) -> list[bytes]:
    """The body's encoding in order: a header and a value per raw element, pydicom's bytes for the rest."""
    charset = ds.get("SpecificCharacterSet", None)
    pieces: list[bytes] = []
    append = pieces.append
    elements = ds._dict
    for tag in sorted(elements, key=int):  # plain ints: BaseTag compares in Python
        if tag & 0xFFFF == 0 and tag >> 16 > 6:
            continue  # group lengths are retired (PS3.5 7.2)
        elem = elements[tag]
        if type(elem) is RawDataElement:
            value, vr = elem.value, elem.VR
            if value is not None and elem.length != _UNDEFINED and (implicit or vr):
                group, element = tag >> 16, tag & 0xFFFF
                if implicit:
                    append(_IMPLICIT.pack(group, element, len(value)))
                elif vr in _LONG_VRS:
                    append(_EXPLICIT_LONG.pack(group, element, str(vr).encode(), len(value)))
                else:
                    append(_EXPLICIT_SHORT.pack(group, element, str(vr).encode(), len(value)))
                append(value)
                continue
        append(_encode_element(ds.get_item(tag), charset, implicit))
    return pieces


def _encode_element(elem: DataElement | RawDataElement, charset: Charset, implicit: bool) -> bytes:
    """One element through pydicom's writer; a decoded element with a short plain value (the character set,
    a modality, a pixel representation: the same in every instance of a series) is encoded once."""
    key = _memo_key(elem, charset, implicit)
    encoded = _ENCODED.get(key) if key is not None else None
    if encoded is None:
        buffer = DicomBytesIO()
        buffer.is_little_endian, buffer.is_implicit_VR = True, implicit
        write_data_element(buffer, elem, charset)  # type: ignore[arg-type]
        encoded = buffer.getvalue()
        if key is not None:
            if len(_ENCODED) > 4096:
                _ENCODED.clear()
            _ENCODED[key] = encoded
    return encoded


def _memo_key(elem: DataElement | RawDataElement, charset: Charset, implicit: bool) -> tuple[object, ...] | None:
    """Everything the element's encoding depends on, or None if it is not worth remembering."""
    value = elem.value
    if type(elem) is not DataElement or type(value) not in _MEMO_TYPES or len(str(value)) > 64:
        return None
    charsets = charset if charset is None or isinstance(charset, str) else tuple(charset)
    return (int(elem.tag), elem.VR, type(value), value, elem.is_undefined_length, charsets, implicit)
