"""An attribute's values as a rule sees them, and whether a found value may be quoted in a problem."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from imaging_hub.dicom import load_table

WITHHELD = "withheld (identifying attribute)"


def values_of(ds: Dataset, keyword: str) -> list[Any]:
    """The attribute's values (one per component); empty when absent or empty."""
    value = ds.get(keyword)
    if value is None or value == "":
        return []
    if isinstance(value, MultiValue | list | tuple):
        return [v for v in value if v is not None and v != ""]
    return [value]


def as_number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def same_value(found: Any, expected: str | float) -> bool:
    """Numeric comparison when both are numbers (KVP "120" equals 120), else exact text after trimming."""
    found_number, expected_number = as_number(found), as_number(expected)
    if found_number is not None and expected_number is not None:
        return found_number == expected_number
    return str(found).strip() == str(expected).strip()


@cache
def quotable(keyword: str) -> bool:
    """Whether values of this attribute may appear in a problem: not one PS3.15 removes or replaces."""
    tag = tag_for_keyword(keyword)
    row = load_table().by_tag.get(int(tag)) if tag is not None else None
    return row is None or row.basic == "K"


def shown(keyword: str, value: Any) -> str:
    if not quotable(keyword):
        return WITHHELD
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()
