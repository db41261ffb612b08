"""QIDO-RS query parameters (PS3.18 8.3.4) parsed into a search, independent of how an index answers it.

Attribute keys may be keywords or tags; values are checked against their VR here so that a malformed
date or UID is answered with a 400 naming it, before the index is asked anything.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword

from imaging_hub.errors import ImagingHubError

Level = Literal["PATIENT", "STUDY", "SERIES", "INSTANCE"]

RESERVED = frozenset({"limit", "offset", "includefield", "fuzzymatching", "emptyvaluematching",
                      "multiplevaluematching", "charset"})
PROJECT_KEY = "ClinicalTrialProtocolID"
MAX_LIMIT = 10_000
MAX_OFFSET = 2**31 - 1

_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_DATE = re.compile(r"^\d{8}$")
_TIME = re.compile(r"^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$")
_DATETIME = re.compile(r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$")
_RANGE_FORMATS = {"DA": _DATE, "TM": _TIME, "DT": _DATETIME}
_RANGE_NAMES = {"DA": "date", "TM": "time", "DT": "date-time"}


class QidoParameterError(ImagingHubError, ValueError):
    """A query parameter is unknown or malformed; the message names it."""


@dataclass(frozen=True)
class QidoSearch:
    """A parsed QIDO-RS request, independent of how the index answers it."""

    level: Level
    filters: Mapping[str, str] = field(default_factory=dict)
    include: frozenset[str] = frozenset()
    limit: int | None = None
    offset: int = 0
    fuzzy: bool = False

    def restricted_to(self, projects: frozenset[str] | None) -> QidoSearch | None:
        """The same search limited to ``projects`` (None: unrestricted); None if nothing can match."""
        if projects is None:
            return self
        wanted = self.filters.get(PROJECT_KEY, "")
        allowed = sorted(projects)
        if wanted:
            patterns = wanted.split("\\")
            allowed = [p for p in allowed if any(fnmatch.fnmatchcase(p, pat) for pat in patterns)]
        if not allowed:
            return None
        return replace(self, filters={**self.filters, PROJECT_KEY: "\\".join(allowed)})


def attribute_keyword(key: str) -> str:
    """The keyword of a QIDO attribute given as keyword or eight hex digits; QidoParameterError otherwise."""
    if "." in key:
        raise QidoParameterError(f"matching inside sequences ({key!r}) is not supported")
    if re.fullmatch(r"[0-9A-Fa-f]{8}", key):
        keyword = keyword_for_tag(int(key, 16))
        if not keyword:
            raise QidoParameterError(f"attribute tag {key} is not a standard attribute")
        return keyword
    if tag_for_keyword(key) is None:
        raise QidoParameterError(f"unknown attribute or parameter {key!r}")
    return key


def parse_search(
    level: Level,
    params: Iterable[tuple[str, str]],
    path_uids: Mapping[str, str] | None = None,
) -> QidoSearch:
    """Parse query parameters (as repeated pairs) into a QidoSearch at ``level``."""
    filters: dict[str, str] = {}
    include: set[str] = set()
    limit: int | None = None
    offset = 0
    fuzzy = False
    for name, value in params:
        lowered = name.lower()
        if lowered == "limit":
            limit = _non_negative_int(name, value)
            if limit == 0 or limit > MAX_LIMIT:
                raise QidoParameterError(f"limit must be between 1 and {MAX_LIMIT}, got {value!r}")
        elif lowered == "offset":
            offset = _non_negative_int(name, value)
            if offset > MAX_OFFSET:  # the index's integers are 64-bit: a 30-digit offset must not reach it
                raise QidoParameterError(f"offset must be at most {MAX_OFFSET}")
        elif lowered == "includefield":
            for item in (v.strip() for v in value.split(",")):
                if item:
                    include.add("all" if item.lower() == "all" else attribute_keyword(item))
        elif lowered == "fuzzymatching":
            fuzzy = _boolean(name, value)
        elif lowered in ("emptyvaluematching", "multiplevaluematching"):
            _boolean(name, value)  # accepted; the index applies the standard's default behaviour
        elif lowered == "charset":
            continue
        else:
            keyword = attribute_keyword(name)
            normalised = normalise_value(keyword, value)
            if keyword in filters:
                if dictionary_VR(keyword) != "UI":
                    raise QidoParameterError(f"attribute {keyword} given more than once")
                normalised = filters[keyword] + "\\" + normalised
            filters[keyword] = normalised
    for keyword, path_uid in (path_uids or {}).items():
        uid = normalise_value(keyword, path_uid)
        if keyword in filters and filters[keyword] != uid:
            raise QidoParameterError(f"{keyword} in the query conflicts with the one in the path")
        filters[keyword] = uid
    return QidoSearch(level, filters, frozenset(include), limit, offset, fuzzy)


def normalise_value(keyword: str, value: str) -> str:
    """Check a matching value against the attribute's VR; UID lists may use commas or backslashes."""
    vr = dictionary_VR(keyword)
    if value == "":
        return value  # universal matching: return the key only
    if vr == "UI":
        uids = [u.strip() for u in re.split(r"[,\\]", value)]
        for uid in uids:
            if not _UID.match(uid) or len(uid) > 64:
                raise QidoParameterError(f"{keyword} value {uid[:70]!r} is not a valid UID")
        return "\\".join(uids)
    if vr in _RANGE_FORMATS:
        pattern = _RANGE_FORMATS[vr]
        if pattern.match(value):
            return value
        low, sep, high = value.partition("-")
        if not sep:
            raise QidoParameterError(f"{keyword} value is not a valid {_RANGE_NAMES[vr]}")
        if not (low or high) or any(part and not pattern.match(part) for part in (low, high)):
            raise QidoParameterError(f"{keyword} value is not a valid {_RANGE_NAMES[vr]} range")
        return value
    if vr in ("US", "SS", "UL", "SL", "IS") and not re.fullmatch(r"[+-]?\d+", value.strip()):
        raise QidoParameterError(f"{keyword} value is not an integer")
    return value


def _non_negative_int(name: str, value: str) -> int:
    if not value.strip().isdigit() or len(value.strip()) > 18:
        raise QidoParameterError(f"{name} must be a non-negative integer of at most 18 digits, got {value[:40]!r}")
    return int(value)


def _boolean(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise QidoParameterError(f"{name} must be true or false, got {value[:40]!r}")
    return lowered == "true"
