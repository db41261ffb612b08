"""VR-valid dummy values for the PS3.15 ``D`` action: plausible in form, empty of meaning."""

from __future__ import annotations

from typing import Any

_TEXT = "ANONYMIZED"

DUMMY_BY_VR: dict[str, Any] = {
    "AE": "ANONYMIZED",
    "AS": "000Y",
    "CS": "ANONYMIZED",
    "DA": "19000101",
    "DS": "0",
    "DT": "19000101000000",
    "IS": "0",
    "LO": _TEXT,
    "LT": _TEXT,
    "PN": _TEXT,
    "SH": _TEXT,
    "ST": _TEXT,
    "TM": "000000",
    "UC": _TEXT,
    "UR": "https://anonymized.invalid",
    "UT": _TEXT,
    "AT": 0,
    "FL": 0.0,
    "FD": 0.0,
    "SL": 0,
    "SS": 0,
    "SV": 0,
    "UL": 0,
    "US": 0,
    "UV": 0,
    "OB": b"\x00\x00",
    "OD": b"\x00" * 8,
    "OF": b"\x00" * 4,
    "OL": b"\x00" * 4,
    "OV": b"\x00" * 8,
    "OW": b"\x00\x00",
    "UN": b"\x00\x00",
}


def dummy_value(vr: str) -> Any:
    """The dummy for a VR (UI and SQ are handled by the caller: a new UID, a cleaned item)."""
    return DUMMY_BY_VR.get(vr, b"\x00\x00")
