"""Part 10 files written fast: a few buffers, written with one system call.

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

from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, FileMetaDataset, validate_file_meta
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.tag import BaseTag
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32

from imaging_hub.dicom.part10.file_meta import (
    MEDIA_SOP_CLASS_UID,
    MEDIA_SOP_INSTANCE_UID,
    PREAMBLE,
    TRANSFER_SYNTAX_UID,
    encode_file_meta,
)

_LONG_VRS = frozenset(str(vr) for vr in EXPLICIT_VR_LENGTH_32)
_EXPLICIT_SHORT = struct.Struct("<HH2sH")
_EXPLICIT_LONG = struct.Struct("<HH2s2xL")
_IMPLICIT = struct.Struct("<HHL")
_UNDEFINED = 0xFFFFFFFF
_ESC = 0x1B  # ISO 2022 code extension: the bytes do not decode as plain ASCII
_SEPARATE = 64 * 1024  # values this long are passed on as buffers of their own
PIXEL_DATA = 0x7FE00010
_MEMO_TYPES = frozenset({str, int})  # exact types (a subclass such as IS encodes itself); no floats (-0.0 == 0.0)
_ENCODED: dict[tuple[object, ...], bytes] = {}
Charset = str | Sequence[str] | None  # a SpecificCharacterSet value
# what validate_file_meta adds when missing or empty, and the Type 1 elements it requires
_REQUIRED_META = tuple(BaseTag(tag) for tag in (0x00020001, MEDIA_SOP_CLASS_UID, MEDIA_SOP_INSTANCE_UID,
                                                 TRANSFER_SYNTAX_UID, 0x00020012))
_IMPLEMENTATION_VERSION_NAME = BaseTag(0x00020013)  # added when missing


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
    return _as_buffers([PREAMBLE, encode_file_meta(meta), *_body_pieces(ds, syntax.is_implicit_VR)])


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
        if tag in ds._dict and meta_uid != _text(ds, tag):
            return None  # dcmwrite's path brings the meta up to date
    syntax = UID(str(syntax))
    if not syntax.is_transfer_syntax or syntax.is_private or syntax == DeflatedExplicitVRLittleEndian:
        return None
    if not syntax.is_little_endian or ds.original_encoding != (syntax.is_implicit_VR, True):
        return None
    return syntax if ds.original_character_set == ds._character_set else None


def _text(ds: Dataset, tag: int) -> str:
    """A single string value, read from the bytes when they are plain ASCII, else decoded from a copy: the
    element stays as it is in ``ds`` (a decoded element would no longer be copied as raw bytes)."""
    elem = ds._dict.get(BaseTag(tag))
    if isinstance(elem, RawDataElement):
        data = elem.value
        if data is not None and data.isascii() and _ESC not in data:
            text = data.decode("ascii").rstrip("\x00 ")
            return "\\".join(v.strip("\x00 ") for v in text.split("\\")) if text else ""
        elem = convert_raw_data_element(elem, encoding=ds._character_set, ds=ds)
    value = None if elem is None else elem.value
    return "" if value is None else str(value)


def _value(ds: Dataset, tag: int) -> Any:
    """``ds.get(keyword)`` by tag: the value, decoded in place like pydicom does, None when absent."""
    return ds[tag].value if tag in ds._dict else None


def _undefined_length(elem: DataElement | RawDataElement) -> bool:
    if isinstance(elem, RawDataElement):
        return elem.length == _UNDEFINED
    return elem.is_undefined_length


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
