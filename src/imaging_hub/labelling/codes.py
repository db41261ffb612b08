"""Coded concepts for segment categories and types, as DICOM SEG needs them, and the table of common ones.

A SNOMED CT identifier (scheme ``SCT``) is 6 to 18 digits, no leading zero, ending in a Verhoeff check digit
(SNOMED CT's own rule, checked with python-stdnum). Other schemes (``DCM``, ``99LOCAL`` private codes) are
taken as given, provided the value is short enough for DICOM's SH. ``segmentation_codes.csv`` lists the
common categories and types from DICOM PS3.16 CID 7150, 7151 and 7159 (the file names its source).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from stdnum import verhoeff

from imaging_hub.labelling.errors import LabellingError

_SCT = re.compile(r"[1-9][0-9]{5,17}")
_SCHEME = re.compile(r"[A-Z0-9_.-]{1,16}", re.IGNORECASE)


@dataclass(frozen=True)
class Code:
    value: str
    scheme: str
    meaning: str

    def to_json(self) -> dict[str, str]:
        return {"value": self.value, "scheme": self.scheme, "meaning": self.meaning}


def check_code(value: str, scheme: str, meaning: str, where: str) -> Code:
    """``where`` names the field in the error, e.g. ``segments[0].type``."""
    value, scheme, meaning = str(value).strip(), str(scheme).strip(), str(meaning).strip()
    if not _SCHEME.fullmatch(scheme):
        raise LabellingError(f"{where}: coding scheme {scheme!r} is not a DICOM coding scheme designator")
    if not meaning or len(meaning) > 64:
        raise LabellingError(f"{where}: code meaning must be 1 to 64 characters")
    if scheme == "SCT":
        if not _SCT.fullmatch(value):
            raise LabellingError(f"{where}: SNOMED CT code {value!r} must be 6 to 18 digits without a leading zero")
        if not verhoeff.is_valid(value):
            raise LabellingError(f"{where}: SNOMED CT code {value!r} fails its Verhoeff check digit")
    elif not value or len(value) > 16:
        raise LabellingError(f"{where}: code value must be 1 to 16 characters")
    return Code(value, scheme, meaning)


@dataclass(frozen=True)
class CommonCode:
    context: str  # the DICOM context group it comes from, e.g. "CID 7151"
    code: Code
    category: str  # for a type: the CID 7150 category's code value that usually goes with it


@cache
def common_codes() -> tuple[CommonCode, ...]:
    """The shipped table of common segmentation categories and types."""
    text = resources.files("imaging_hub.labelling").joinpath("data/segmentation_codes.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(CommonCode(r["context"], Code(r["code_value"], r["coding_scheme"], r["meaning"]), r["category_code"])
                 for r in rows)


def find_common(meaning_or_value: str) -> CommonCode:
    """A common code by its meaning (any case) or its code value."""
    wanted = meaning_or_value.strip().lower()
    for common in common_codes():
        if wanted in (common.code.meaning.lower(), common.code.value):
            return common
    raise LabellingError(f"{meaning_or_value!r} is not in the table of common segmentation codes")
