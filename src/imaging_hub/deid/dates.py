"""Date shifting for Retain Longitudinal Temporal Information with Modified Dates.

One whole-day offset per subject, applied to every DA and to the date part of every DT, so intervals
and times of day are preserved (a TM paired with a shifted date needs no change). A value that is not a
date is not kept: the caller removes it.
"""

from __future__ import annotations

import datetime as dt


def shift_da(value: str, days: int) -> str | None:
    """Shift a DA value (YYYYMMDD, or the old YYYY.MM.DD); None if it is not a date."""
    text = value.strip().replace(".", "")
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    try:
        return (day + dt.timedelta(days=days)).strftime("%Y%m%d")
    except OverflowError:
        return None


def shift_dt(value: str, days: int) -> str | None:
    """Shift the date part of a DT value, keeping its precision, time and UTC offset."""
    text = value.strip()
    digits = len(text) - len(text.lstrip("0123456789"))
    if digits < 4:
        return None
    if digits < 8:  # year or year-month precision: shift from the first day, keep the precision
        padded = text[:digits] + "0101"[digits - 4:]
        shifted = shift_da(padded[:8], days)
        return None if shifted is None else shifted[:digits] + text[digits:]
    shifted = shift_da(text[:8], days)
    return None if shifted is None else shifted + text[8:]


def shift_multi(values: list[str], days: int, shift: object) -> list[str] | None:
    """Shift each value of a multi-valued element; None if any is not a date."""
    out: list[str] = []
    for value in values:
        new = shift(value, days)  # type: ignore[operator]
        if new is None:
            return None
        out.append(new)
    return out
