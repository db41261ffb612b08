"""Reading and writing element values without pydicom's decode/encode round trip.

An element pydicom has not decoded is a ``RawDataElement`` holding the bytes as read; it is written back
as those bytes. Looking at a value through ``ds[tag]`` or ``ds.Keyword`` decodes it for good, so the
engine looks through :func:`peek` (decodes a copy) or :func:`ascii_text` (reads the bytes), and writes
plain ASCII text values as raw elements again with :func:`put_text`. Text in any other form, and
datasets built in memory, take pydicom's ordinary path.
"""

from __future__ import annotations

from typing import Any

from pydicom import config
from pydicom.dataelem import DataElement, RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset
from pydicom.hooks import hooks, raw_element_value, raw_element_vr
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.uid import UID

_ESC = 0x1B  # ISO 2022 code extension: the bytes do not decode as plain ASCII
# VRs whose pydicom decoding of one ASCII value is the text less trailing spaces and NULs (AE also strips
# leading spaces; DA, DT, TM may become datetimes; numbers and names become objects)
_STRIPPED_VRS = frozenset({"AS", "CS", "LO", "SH", "UC", "LT", "ST", "UT", "UI"})
_SINGLE_VALUE_VRS = frozenset({"LT", "ST", "UT"})  # a backslash is text here
_STRIP_EACH_VRS = frozenset({"LO", "SH", "UC"})  # split, then each value stripped; others strip, then split


def peek(ds: Dataset, tag: int, default: Any = None) -> Any:
    """The element's value, decoding a raw element without replacing it in ``ds``."""
    elem = ds._dict.get(BaseTag(tag))
    if elem is None:
        return default
    if isinstance(elem, RawDataElement):
        if (elem.VR == "US" and elem.is_little_endian and elem.value is not None and len(elem.value) == 2
                and _default_decoding()):
            # one unsigned short (Rows, BitsStored ...), as pydicom gives it, some fifty times faster
            return int.from_bytes(elem.value, "little")
        plain = _plain_value(elem)
        if plain is not None:
            return plain
        elem = convert_raw_data_element(elem, encoding=ds._character_set, ds=ds)
    return elem.value


def _plain_value(elem: RawDataElement) -> str | MultiValue[str] | None:
    """A plain ASCII string value as pydicom's decoding gives it, read without pydicom's per-element
    machinery (about ten times faster); None where only pydicom's decoding will do."""
    vr = elem.VR
    if vr not in _STRIPPED_VRS or not _default_decoding():
        return None
    text = ascii_text(elem)
    if not text:
        return None
    if vr in _SINGLE_VALUE_VRS:
        values = [text.rstrip("\x00 ")]
    elif vr in _STRIP_EACH_VRS:
        values = [v.rstrip("\x00 ") for v in text.split("\\")]
    else:
        values = text.rstrip("\x00 ").split("\\")
    kind = UID if vr == "UI" else str
    if len(values) > 1:
        return MultiValue(kind, values)
    return kind(values[0]) if values[0] else None  # empty: pydicom's empty value for the VR


def _default_decoding() -> bool:
    """pydicom decodes raw elements its own way: no callback, no custom hooks, no raising validation."""
    return (config.data_element_callback is None and hooks.raw_element_vr is raw_element_vr
            and hooks.raw_element_value is raw_element_value
            and config.settings.reading_validation_mode != config.RAISE)


def stored_element(ds: Dataset, tag: int) -> DataElement | RawDataElement | None:
    """``ds.get_item(tag)`` for an int tag without pydicom's tag conversion (the walker asks per element)."""
    elem = ds._dict.get(tag)  # type: ignore[call-overload]
    if elem is not None and elem.value is None and isinstance(elem, RawDataElement):
        return ds.get_item(tag)  # get_item decodes a raw element with no value; keep that
    return elem


def ascii_text(elem: DataElement | RawDataElement | None) -> str | None:
    """A raw element's whole value (backslash-separated, with its padding) when it is plain ASCII."""
    if not isinstance(elem, RawDataElement) or elem.value is None:
        return None
    data = elem.value
    if not data.isascii() or _ESC in data:
        return None
    return data.decode("ascii")


def ascii_values(elem: DataElement | RawDataElement | None) -> list[str] | None:
    """A raw string element's values, padding stripped, when it is plain ASCII."""
    text = ascii_text(elem)
    if text is None:
        return None
    text = text.rstrip("\x00 ")
    return [v.strip("\x00 ") for v in text.split("\\")] if text else []


def has_value(ds: Dataset, tag: int) -> bool:
    """Whether the element is present and not empty, without decoding it."""
    elem = ds._dict.get(BaseTag(tag))
    if elem is None:
        return False
    if isinstance(elem, RawDataElement):
        return elem.value is None or bool(elem.value.strip(b"\x00 "))
    return not elem.is_empty


def text_value(ds: Dataset, tag: int) -> str:
    """A single string value ("" when absent), read from the bytes when they are plain ASCII."""
    elem = ds._dict.get(BaseTag(tag))
    if elem is None:
        return ""
    values = ascii_values(elem)
    if values is not None:
        return "\\".join(values)
    value = peek(ds, tag)
    return "" if value is None else str(value)


def put_empty(ds: Dataset, tag: int, vr: str) -> None:
    """Empty an element (PS3.15 Z), as raw bytes where the dataset was read from bytes."""
    if len(vr) == 2 and _raw_encoding(ds, ds._dict.get(BaseTag(tag))) is not None:
        put_text(ds, tag, vr, [])
    else:
        ds[tag].value = [] if vr == "SQ" else None


def put_text(ds: Dataset, tag: int, vr: str, values: list[str]) -> None:
    """Set a string element: as raw bytes in the dataset's own encoding when it was read from bytes and
    the text is ASCII, else through pydicom."""
    key = BaseTag(tag)
    encoding = _raw_encoding(ds, ds._dict.get(key))
    joined = "\\".join(values)
    if encoding is not None and joined.isascii() and len(vr) == 2:
        data = joined.encode("ascii")
        if len(data) % 2:
            data += b"\x00" if vr == "UI" else b" "
        ds._dict[key] = RawDataElement(key, vr, len(data), data, 0, encoding[0], encoding[1])
        return
    value: Any = values[0] if len(values) == 1 else values
    if key in ds._dict:
        ds[key].value = value
    else:
        ds.add_new(key, vr, value)


def _raw_encoding(ds: Dataset, elem: DataElement | RawDataElement | None) -> tuple[bool, bool] | None:
    if isinstance(elem, RawDataElement):
        return elem.is_implicit_VR, elem.is_little_endian
    implicit, little = ds.original_encoding
    if implicit is None or little is None:
        return None
    return implicit, little
