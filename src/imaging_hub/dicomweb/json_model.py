"""The DICOM JSON model of PS3.18 Annex F, with large binary values replaced by a BulkDataURI.

The encoder looks at each element's raw length before converting it, so values that pydicom deferred
(``defer_size``) are never read from disk when they become a BulkDataURI.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from collections.abc import Sequence as AbcSequence
from typing import Any

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.filewriter import correct_ambiguous_vr_element
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.valuerep import PersonName

BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
NUMBER_VRS = frozenset({"FL", "FD", "SL", "SS", "UL", "US", "SV", "UV"})
DEFAULT_BULK_THRESHOLD = 1024

# A path to an element: tags and sequence item indexes, outermost first, e.g. (0x00540016, 0, 0x00181072).
ElementPath = tuple[int, ...]
BulkUriMaker = Callable[[ElementPath], str]

JsonDataset = dict[str, dict[str, Any]]


def tag_key(tag: int) -> str:
    """An attribute tag as the eight upper-case hex digits Annex F uses as the key."""
    return f"{int(tag):08X}"


def bulk_path(path: ElementPath) -> str:
    """The URL path segment naming an element: tags in hex, item indexes in decimal, joined by '/'."""
    return "/".join(tag_key(p) if i % 2 == 0 else str(p) for i, p in enumerate(path))


def parse_bulk_path(text: str) -> ElementPath:
    """Inverse of :func:`bulk_path`; ValueError naming the bad segment."""
    parts = [p for p in text.strip("/").split("/") if p]
    if not parts or len(parts) % 2 == 0:
        raise ValueError(f"bulk data path {text!r} must be tag(/item/tag)*")
    path: list[int] = []
    for i, part in enumerate(parts):
        try:
            if i % 2 == 0:
                if len(part) != 8:
                    raise ValueError
                path.append(int(part, 16))
            else:
                path.append(int(part, 10))
        except ValueError as exc:
            kind = "tag" if i % 2 == 0 else "item index"
            raise ValueError(f"bulk data path segment {part!r} is not a valid {kind}") from exc
    return tuple(path)


def dataset_to_json(
    ds: Dataset,
    bulk_uri: BulkUriMaker | None = None,
    threshold: int = DEFAULT_BULK_THRESHOLD,
    _prefix: ElementPath = (),
) -> JsonDataset:
    """Encode ``ds`` as an Annex F JSON object.

    Binary values longer than ``threshold`` bytes become a BulkDataURI made by ``bulk_uri`` from the
    element's path; without ``bulk_uri`` every binary value is inline (base64).
    """
    result: JsonDataset = {}
    for tag in sorted(ds.keys()):
        if tag.element == 0 or tag.group == 0x0002:
            continue  # group lengths and file meta are not part of the dataset's JSON
        raw = ds.get_item(tag, keep_deferred=True)
        path = (*_prefix, int(tag))
        vr = _raw_vr(raw)
        length = _raw_length(raw)
        if vr in BINARY_VRS and bulk_uri is not None and length is not None and length > threshold:
            result[tag_key(tag)] = {"vr": vr, "BulkDataURI": bulk_uri(path)}
            continue
        elem = ds[tag]
        if " or " in str(elem.VR):  # in-memory datasets may still carry "OB or OW", "US or SS"
            corrected = correct_ambiguous_vr_element(elem, ds, True)
            elem = corrected if isinstance(corrected, DataElement) else ds[tag]
        result[tag_key(tag)] = _element_to_json(elem, bulk_uri, threshold, path)
    return result


def _raw_vr(raw: DataElement | RawDataElement | None) -> str | None:
    return None if raw is None else (str(raw.VR) if raw.VR else None)


def _raw_length(raw: DataElement | RawDataElement | None) -> int | None:
    if isinstance(raw, RawDataElement):
        return None if raw.length == 0xFFFFFFFF else raw.length
    if isinstance(raw, DataElement) and isinstance(raw.value, bytes | bytearray):
        return len(raw.value)
    return None


def _element_to_json(
    elem: DataElement, bulk_uri: BulkUriMaker | None, threshold: int, path: ElementPath
) -> dict[str, Any]:
    vr = str(elem.VR)
    out: dict[str, Any] = {"vr": vr}
    value = elem.value
    if value is None or (isinstance(value, str | bytes | bytearray | list | MultiValue | Sequence)
                         and len(value) == 0):
        return out  # Annex F: an empty value (or a sequence of no items) has no "Value"
    if vr == "SQ":
        out["Value"] = [
            dataset_to_json(item, bulk_uri, threshold, (*path, index)) for index, item in enumerate(value)
        ]
        return out
    if vr in BINARY_VRS:
        data = bytes(value) if not isinstance(value, list | MultiValue) else b"".join(value)
        if bulk_uri is not None and len(data) > threshold:
            out["BulkDataURI"] = bulk_uri(path)
        else:
            out["InlineBinary"] = base64.b64encode(data).decode("ascii")
        return out
    values: AbcSequence[Any] = list(value) if isinstance(value, list | MultiValue) else [value]
    out["Value"] = [_value_to_json(vr, v) for v in values]
    return out


def _value_to_json(vr: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if vr == "PN":
        return _person_name(value)
    if vr == "AT":
        return tag_key(BaseTag(value))
    if vr in NUMBER_VRS:
        number = float(value) if vr in ("FL", "FD") else int(value)
        return None if isinstance(number, float) and not math.isfinite(number) else number
    if vr == "IS":
        try:
            return int(value)
        except (TypeError, ValueError):
            return str(value).strip()  # malformed IS: keep the text rather than lose it
    if vr == "DS":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value).strip()
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() else number
    return str(value)


def _person_name(value: Any) -> dict[str, str] | None:
    name = value if isinstance(value, PersonName) else PersonName(str(value))
    groups = {
        "Alphabetic": name.alphabetic,
        "Ideographic": name.ideographic,
        "Phonetic": name.phonetic,
    }
    result = {key: text for key, text in groups.items() if text}
    return result or None
