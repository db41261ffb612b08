"""Read what the index needs from an incoming instance, and refuse instances the archive cannot key."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

import pydicom
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import UID

from imaging_hub.store.attributes import ATTRIBUTES, HEADER_KEYWORDS
from imaging_hub.store.errors import InvalidInstance
from imaging_hub.store.part10 import FileMeta

_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")
_REQUIRED_UIDS = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
_TAGS = list(HEADER_KEYWORDS)


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


def is_valid_uid(value: str) -> bool:
    return 0 < len(value) <= 64 and _UID.fullmatch(value) is not None


def read_header(fp: BinaryIO, meta: FileMeta) -> InstanceHeader:
    """Parse only the indexed attributes (no pixel data) from a structurally checked Part 10 stream."""
    fp.seek(0)
    try:
        ds = pydicom.dcmread(fp, stop_before_pixels=True, specific_tags=_TAGS)
        values = {keyword: _value(ds, keyword) for keyword in HEADER_KEYWORDS}
    except InvalidInstance:
        raise
    except Exception as exc:  # pydicom raises many kinds for malformed input
        raise InvalidInstance(f"unparsable: {type(exc).__name__} while reading the header") from exc
    for keyword in _REQUIRED_UIDS:
        uid = values.get(keyword)
        if not uid:
            raise InvalidInstance(f"missing {keyword}")
        if not is_valid_uid(uid):
            raise InvalidInstance(f"invalid {keyword}: not a DICOM UID (digits and dots, at most 64)")
    if meta.media_sop_instance_uid and meta.media_sop_instance_uid != values["SOPInstanceUID"]:
        raise InvalidInstance("invalid SOPInstanceUID: differs from MediaStorageSOPInstanceUID in the file meta")
    if not meta.has_pixel_data and (values["Rows"] or "Image Storage" in UID(values["SOPClassUID"]).name):
        # A file cut exactly at an element boundary still parses; an image without pixels gives it away.
        raise InvalidInstance("truncated: an image instance without pixel data")
    if not is_valid_uid(meta.transfer_syntax_uid):
        raise InvalidInstance("no file meta: TransferSyntaxUID is not a valid UID")
    return InstanceHeader(meta.transfer_syntax_uid, values)


def read_header_bytes(data: bytes, meta: FileMeta) -> InstanceHeader:
    return read_header(io.BytesIO(data), meta)


def _value(ds: Dataset, keyword: str) -> Any:
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    kind = ATTRIBUTES[keyword].kind
    if kind == "int":
        try:
            return int(value[0] if isinstance(value, MultiValue) else value)
        except (TypeError, ValueError):
            return None  # a malformed optional number is not worth refusing the instance for
    if isinstance(value, MultiValue):
        value = "\\".join(str(v) for v in value)
    text = str(value).replace("\x00", "")  # PersonName keeps its FAMILY^GIVEN form; NUL cannot be indexed
    if kind == "date":
        return text.replace(".", "")[:8]
    if kind == "time":
        return text.replace(":", "")[:16]
    if kind == "uid":
        return text.strip("\x00 ")
    return text
