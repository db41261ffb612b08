"""DICOM PS3.15 Table E.1-1: the Application Level Confidentiality Profile attributes and option columns.

The table is shipped as package data (``data/ps3.15-table-e1-1.json``, provenance beside it) and loaded
here, never hand-typed. Rows are keyed by tag; the three rows that describe tag ranges (curves ``50xx``,
overlays ``60xx`` and private attributes) are kept apart as group rules.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

TABLE_RESOURCE = "ps3.15-table-e1-1.json"


class ConfidentialityOption(enum.Enum):
    """The profile options of PS3.15 E.3, with their table column and CID 7050 code."""

    RETAIN_SAFE_PRIVATE = ("rtnSafePrivOpt", "113111", "Retain Safe Private Option")
    RETAIN_UIDS = ("rtnUIDsOpt", "113110", "Retain UIDs Option")
    RETAIN_DEVICE_IDENTITY = ("rtnDevIdOpt", "113109", "Retain Device Identity Option")
    RETAIN_INSTITUTION_IDENTITY = ("rtnInstIdOpt", "113112", "Retain Institution Identity Option")
    RETAIN_PATIENT_CHARACTERISTICS = ("rtnPatCharsOpt", "113108", "Retain Patient Characteristics Option")
    RETAIN_LONGITUDINAL_FULL_DATES = (
        "rtnLongFullDatesOpt", "113106", "Retain Longitudinal Temporal Information Full Dates Option",
    )
    RETAIN_LONGITUDINAL_MODIFIED_DATES = (
        "rtnLongModifDatesOpt", "113107", "Retain Longitudinal Temporal Information Modified Dates Option",
    )
    CLEAN_DESCRIPTORS = ("cleanDescOpt", "113105", "Clean Descriptors Option")
    CLEAN_STRUCTURED_CONTENT = ("cleanStructContOpt", "113104", "Clean Structured Content Option")
    CLEAN_GRAPHICS = ("cleanGraphOpt", "113103", "Clean Graphics Option")

    def __init__(self, column: str, code: str, meaning: str) -> None:
        self.column = column
        self.code = code
        self.meaning = meaning


# CID 7050 codes that are not table columns.
BASIC_PROFILE_CODE = ("113100", "Basic Application Confidentiality Profile")
CLEAN_PIXEL_DATA_CODE = ("113101", "Clean Pixel Data Option")

# When several options give an action for one attribute, the one that retains least wins, except that a
# retain option (K) beats a clean (C) only where that option was chosen; PS3.15 E.3 leaves the combination
# to the implementer, so choose the order that protects most.
OPTION_PRECEDENCE = (
    ConfidentialityOption.RETAIN_LONGITUDINAL_MODIFIED_DATES,  # C (shift) before full dates' K
    ConfidentialityOption.CLEAN_DESCRIPTORS,
    ConfidentialityOption.CLEAN_STRUCTURED_CONTENT,
    ConfidentialityOption.CLEAN_GRAPHICS,
    ConfidentialityOption.RETAIN_PATIENT_CHARACTERISTICS,
    ConfidentialityOption.RETAIN_DEVICE_IDENTITY,
    ConfidentialityOption.RETAIN_INSTITUTION_IDENTITY,
    ConfidentialityOption.RETAIN_UIDS,
    ConfidentialityOption.RETAIN_LONGITUDINAL_FULL_DATES,
    ConfidentialityOption.RETAIN_SAFE_PRIVATE,
)

ACTION_CODES = frozenset({"D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"})


@dataclass(frozen=True)
class ConfidentialityRow:
    """One row of Table E.1-1."""

    tag: str  # as printed in the standard, e.g. "(0010,0010)" or "(60XX,3000)"
    name: str
    in_standard_iod: str  # Y, N or C
    basic: str
    options: Mapping[ConfidentialityOption, str]

    def action(self, chosen: frozenset[ConfidentialityOption]) -> str:
        """The action for this row under the chosen options (the first applicable one by precedence)."""
        for option in OPTION_PRECEDENCE:
            if option in chosen and option in self.options:
                return self.options[option]
        return self.basic


@dataclass(frozen=True)
class ConfidentialityTable:
    by_tag: Mapping[int, ConfidentialityRow]
    curve: ConfidentialityRow  # (50xx,xxxx)
    overlay_data: ConfidentialityRow  # (60xx,3000)
    overlay_comments: ConfidentialityRow  # (60xx,4000)
    private: ConfidentialityRow  # (gggg,eeee) gggg odd


def _parse_row(raw: Mapping[str, str]) -> ConfidentialityRow:
    basic = raw["basicProfile"]
    if basic not in ACTION_CODES:
        raise ValueError(f"PS3.15 table row {raw['tag']}: unknown action {basic!r}")
    options = {opt: raw[opt.column] for opt in ConfidentialityOption if opt.column in raw}
    return ConfidentialityRow(raw["tag"], raw["name"], raw["stdCompIOD"], basic, MappingProxyType(options))


@cache
def load_table() -> ConfidentialityTable:
    """Load Table E.1-1 from package data (cached: one parse per process)."""
    text = resources.files("imaging_hub.dicom").joinpath("data", TABLE_RESOURCE).read_text("utf-8")
    by_tag: dict[int, ConfidentialityRow] = {}
    ranges: dict[str, ConfidentialityRow] = {}
    for raw in json.loads(text):
        row = _parse_row(raw)
        digits = row.tag.split(")")[0].strip("(").replace(",", "")
        if all(c in "0123456789ABCDEFabcdef" for c in digits) and len(digits) == 8:
            by_tag[int(digits, 16)] = row
        else:
            ranges[digits.upper()] = row
    return ConfidentialityTable(
        by_tag=MappingProxyType(by_tag),
        curve=ranges["50XXXXXX"],
        overlay_data=ranges["60XX3000"],
        overlay_comments=ranges["60XX4000"],
        private=ranges["GGGGEEEE"],
    )
