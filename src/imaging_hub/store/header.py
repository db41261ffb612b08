"""Read what the index needs from an incoming instance, and refuse instances the archive cannot key."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydicom.charset import convert_encodings
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.uid import UID
from pydicom.values import convert_value

from imaging_hub.store.attributes import ATTRIBUTES, HEADER_KEYWORDS
from imaging_hub.store.errors import InvalidInstance
from imaging_hub.store.structure import CheckedFile

_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")
_REQUIRED_UIDS = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
_TAG_OF: dict[str, int] = {keyword: int(tag_for_keyword(keyword) or 0) for keyword in HEADER_KEYWORDS}
_CHARSET = 0x00080005
# Most indexed values repeat from instance to instance (patient, study, series), so each distinct raw value is
# decoded by pydicom once; the bound keeps a hostile header from filling the cache with large values.
_CACHED_VALUE_BYTES = 256
# The project and site an instance is filed under: leading and trailing spaces are not significant in LO
# (PS3.5 6.2), and every path (a C-STORE's project check, STOW, the index, the audit) takes these values from
# this header, so ' PROJA' is PROJA everywhere rather than a project of its own.
TRIMMED = frozenset({"ClinicalTrialProtocolID", "ClinicalTrialSiteID"})
HEADER_TAGS: frozenset[int] = frozenset({*_TAG_OF.values(), _CHARSET})  # what check_structure should collect

# The plain forms of the values that differ in every instance (SOP Instance UID, Instance Number), read without
# pydicom: its converter costs about 5% of the store path's CPU per instance, and a value new to the cache
# above evicts one that repeats. Only a value in the one form that decodes the same either way is read here
# (a UID of digits and dots, an unsigned number, each with at most one byte of padding); any other form, and
# an element whose explicit VR is not the dictionary's, goes through pydicom as before. tests/store/
# test_store_header.py checks the two ways agree.
_PLAIN_UID = re.compile(rb"([0-9.]{1,64})[\x00 ]?")
_PLAIN_IS = re.compile(rb"([0-9]{1,9}) ?")


def _plain_readers() -> dict[str, tuple[frozenset[str], re.Pattern[bytes], Callable[[bytes], Any]]]:
    """keyword -> (the VRs its raw value may be read plainly under, the plain form, its reader)."""
    readers: dict[str, tuple[frozenset[str], re.Pattern[bytes], Callable[[bytes], Any]]] = {}
    for keyword in HEADER_KEYWORDS:
        vr = dictionary_VR(_TAG_OF[keyword])
        vrs = frozenset({"", "UN", vr})  # implicit VR and UN are read by the dictionary's VR
        if vr == "UI" and ATTRIBUTES[keyword].kind == "uid":
            readers[keyword] = vrs, _PLAIN_UID, bytes.decode
        elif vr == "IS" and ATTRIBUTES[keyword].kind == "int":
            readers[keyword] = vrs, _PLAIN_IS, int
    return readers


_PLAIN = _plain_readers()


@dataclass(frozen=True)
class InstanceHeader:
    """The keys and indexed attributes of one incoming instance (keyword -> str, int or None)."""

    transfer_syntax_uid: str
    values: dict[str, Any]

    @property
    def sop_instance_uid(self) -> str:
        return str(self.values["SOPInstanceUID"])

    @property
    def study_instance_uid(self) -> str:
        return str(self.values["StudyInstanceUID"])

    @property
    def series_instance_uid(self) -> str:
        return str(self.values["SeriesInstanceUID"])


def project_code(value: str) -> str | None:
    """The one normalisation of a ClinicalTrialProtocolID (or site ID): spaces around it dropped; None if empty."""
    return value.strip(" ") or None


def is_valid_uid(value: str) -> bool:
    return 0 < len(value) <= 64 and _UID.fullmatch(value) is not None


def read_header(meta: CheckedFile) -> InstanceHeader:
    """Decode the indexed attributes from the raw top-level values ``check_structure(data, HEADER_TAGS)``
    collected: pydicom's value converters on a handful of elements, no dataset parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom's value warnings may quote identifiable values
            encodings = _encodings(meta)
            values = {keyword: _value(meta, keyword, encodings) for keyword in HEADER_KEYWORDS}
    except InvalidInstance:
        raise
    except Exception as exc:  # pydicom raises many kinds for malformed input
        raise InvalidInstance(f"unparsable: {type(exc).__name__} while reading the header") from exc
    sop_class = values.get("SOPClassUID")
    if not meta.has_pixel_data and (values.get("Rows") or (sop_class and "Image Storage" in UID(sop_class).name)):
        # A file cut exactly at an element boundary still parses; an image without pixels gives it away. Checked
        # before the UIDs, so a cut that also lost StudyInstanceUID is named for what happened to it.
        raise InvalidInstance("truncated: an image instance without pixel data")
    for keyword in _REQUIRED_UIDS:
        uid = values.get(keyword)
        if not uid:
            raise InvalidInstance(f"missing {keyword}")
        if not is_valid_uid(uid):
            raise InvalidInstance(f"invalid {keyword}: not a DICOM UID (digits and dots, at most 64)")
    if meta.media_sop_instance_uid and meta.media_sop_instance_uid != values["SOPInstanceUID"]:
        raise InvalidInstance("invalid SOPInstanceUID: differs from MediaStorageSOPInstanceUID in the file meta")
    if not is_valid_uid(meta.transfer_syntax_uid):
        raise InvalidInstance("no file meta: TransferSyntaxUID is not a valid UID")
    return InstanceHeader(meta.transfer_syntax_uid, values)


def _encodings(meta: CheckedFile) -> tuple[str, ...]:
    raw = meta.elements.get(_CHARSET)
    if raw is None or not raw[1].strip(b"\x00 "):
        return _charset(None, meta.implicit_vr, meta.little_endian)
    if len(raw[1]) > _CACHED_VALUE_BYTES:
        return _charset.__wrapped__(raw, meta.implicit_vr, meta.little_endian)
    return _charset(raw, meta.implicit_vr, meta.little_endian)


@lru_cache(maxsize=64)
def _charset(raw: tuple[str, bytes] | None, implicit_vr: bool, little_endian: bool) -> tuple[str, ...]:
    """The Python codecs for a Specific Character Set value (None: the default repertoire)."""
    if raw is None:
        return tuple(convert_encodings(None))
    return tuple(convert_encodings(_convert(_CHARSET, raw, implicit_vr, little_endian, None)))


def _convert(tag: int, raw: tuple[str, bytes], implicit_vr: bool, little_endian: bool,
             encodings: tuple[str, ...] | None) -> Any:
    vr = raw[0] if raw[0] and raw[0] != "UN" else dictionary_VR(tag)  # implicit VR, or UN of a known tag
    element = RawDataElement(BaseTag(tag), vr, len(raw[1]), raw[1], 0, implicit_vr, little_endian)
    return convert_value(vr, element, list(encodings) if encodings else None)  # inside read_header's catch_warnings


def _value(meta: CheckedFile, keyword: str, encodings: tuple[str, ...]) -> Any:
    raw = meta.elements.get(_TAG_OF[keyword])
    if raw is None:
        return None
    plain = _PLAIN.get(keyword)
    if plain is not None and raw[0] in plain[0]:
        found = plain[1].fullmatch(raw[1])
        if found is not None:
            return plain[2](found[1])
    if len(raw[1]) > _CACHED_VALUE_BYTES:
        return _decoded.__wrapped__(keyword, raw, meta.implicit_vr, meta.little_endian, encodings)
    return _decoded(keyword, raw, meta.implicit_vr, meta.little_endian, encodings)


@lru_cache(maxsize=4096)
def _decoded(keyword: str, raw: tuple[str, bytes], implicit_vr: bool, little_endian: bool,
             encodings: tuple[str, ...]) -> Any:
    """The indexed value (str, int or None) of one raw element; a pure function of its arguments."""
    value = _convert(_TAG_OF[keyword], raw, implicit_vr, little_endian, encodings)
    if isinstance(value, MultiValue | list) and len(value) == 1:
        value = value[0]  # what a dataset returns for a single value
    if value is None or value == "" or (isinstance(value, MultiValue | list) and not value):
        return None
    kind = ATTRIBUTES[keyword].kind
    if kind == "int":
        try:
            return int(value[0] if isinstance(value, MultiValue | list) else value)
        except (TypeError, ValueError):
            return None  # a malformed optional number is not worth refusing the instance for
    if isinstance(value, MultiValue | list):
        value = "\\".join(str(v) for v in value)
    text = str(value).replace("\x00", "")  # PersonName keeps its FAMILY^GIVEN form; NUL cannot be indexed
    if keyword in TRIMMED:
        return project_code(text)
    if kind == "date":
        return text.replace(".", "")[:8]
    if kind == "time":
        return text.replace(":", "")[:16]
    if kind == "uid":
        return text.strip("\x00 ")
    return text
