"""DICOM attribute matching (PS3.4 C.2.2.2) turned into SQL conditions.

Single value, wildcard (* and ?), range on dates and times ("A-B", "-B", "A-"), lists of values separated by
backslash (UID list matching, and "any of" for other keys), universal ("" or "*"). Person names match case
insensitively; with ``fuzzy`` a name also matches when any of its components starts with the value.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from imaging_hub.store.attributes import Attribute
from imaging_hub.store.errors import QueryError
from imaging_hub.store.header import is_valid_uid
from imaging_hub.store.schema import study, study_modality

_DATE = re.compile(r"\d{8}")
_TIME = re.compile(r"\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?")
_AFTER_DIGITS = "~"  # sorts after every digit and '.', so "1015~" bounds every time starting "1015"


def condition(attribute: Attribute, column: sa.ColumnElement[object], value: str, fuzzy: bool = False) -> (
    ColumnElement[bool] | None
):
    """The SQL condition for matching ``value`` on ``column``, or None for universal matching."""
    if value in ("", "*"):
        return None
    kind = attribute.kind
    if kind == "count":
        raise QueryError(f"{attribute.keyword} is computed and can only be returned, not matched")
    parts = value.split("\\")
    if kind == "uid":
        for uid in parts:
            if not is_valid_uid(uid):
                raise QueryError(f"{attribute.keyword}: not a valid UID or UID list")
        return column.in_(parts) if len(parts) > 1 else column == parts[0]
    if kind in ("date", "time"):
        return sa.or_(*(_range(attribute, column, part) for part in parts))
    if kind == "int":
        try:
            numbers = [int(part) for part in parts]
        except ValueError:
            raise QueryError(f"{attribute.keyword}: {value!r} is not an integer") from None
        return column.in_(numbers) if len(numbers) > 1 else column == numbers[0]
    if kind == "modalities":
        inner = sa.or_(*(_text(study_modality.c.modality, part) for part in parts))
        return sa.exists().where(study_modality.c.study_pk == study.c.pk, inner)
    if kind == "name":
        return sa.or_(*(_name(column, part.upper(), fuzzy) for part in parts))
    return sa.or_(*(_text(column, part) for part in parts))


def _range(attribute: Attribute, column: sa.ColumnElement[object], part: str) -> ColumnElement[bool]:
    pattern = _DATE if attribute.kind == "date" else _TIME
    low, dash, high = part.partition("-")
    if not dash:
        high = low
    for bound in (low, high):
        if bound and not pattern.fullmatch(bound):
            raise QueryError(f"{attribute.keyword}: {part!r} is not a {attribute.kind} or {attribute.kind} range")
    if not low and not high:
        raise QueryError(f"{attribute.keyword}: a range needs at least one bound")
    terms = []
    if low:
        terms.append(column >= low)
    if high:
        # A time given to the minute bounds every second within it.
        terms.append(column <= high + _AFTER_DIGITS if attribute.kind == "time" else column <= high)
    return sa.and_(*terms)


def like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def _text(column: sa.ColumnElement[object], part: str) -> ColumnElement[bool]:
    if "*" in part or "?" in part:
        return column.like(like_pattern(part), escape="\\")
    return column == part


def _name(column: sa.ColumnElement[object], part: str, fuzzy: bool) -> ColumnElement[bool]:
    key = _name_key(column)
    if not fuzzy:
        return _text(key, part)
    # Fuzzy: the value, as a prefix, may match the whole name or any single component of it.
    prefix = like_pattern(part.rstrip("*")) + "%"
    return sa.or_(
        key.like(prefix, escape="\\"),
        key.like("%^" + prefix, escape="\\"),
        key.like("% " + prefix, escape="\\"),
    )


def _name_key(column: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
    table = getattr(column, "table", None)
    name = getattr(column, "name", None)
    if table is None or name is None:
        raise QueryError("person name matching needs an indexed name column")
    return table.c[f"{name}_key"]
