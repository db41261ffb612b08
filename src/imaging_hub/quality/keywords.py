"""DICOM keywords a protocol may name, checked against pydicom's data dictionary."""

from __future__ import annotations

from pydicom.datadict import dictionary_VR, tag_for_keyword


def checked_keyword(keyword: str) -> str:
    """The keyword itself when pydicom knows it and it holds values (not a sequence); ValueError otherwise."""
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise ValueError(f"{keyword!r} is not a DICOM attribute keyword")
    if dictionary_VR(tag) == "SQ":
        raise ValueError(f"{keyword} is a sequence; a rule checks an attribute that holds values")
    return keyword
