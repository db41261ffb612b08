"""Searching the index at patient, study, series or instance level, results as pydicom Datasets."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset
from sqlalchemy.engine import Connection

from imaging_hub.store.attributes import ATTRIBUTES, DEFAULT_RETURN, LEVELS, Attribute, Level, level_rank
from imaging_hub.store.errors import QueryError
from imaging_hub.store.matching import condition
from imaging_hub.store.schema import instance, patient, series, study

_TABLES: dict[str, sa.Table] = {"PATIENT": patient, "STUDY": study, "SERIES": series, "INSTANCE": instance}
_HEX_TAG = re.compile(r"[0-9A-Fa-f]{8}")
_ALWAYS: dict[Level, tuple[tuple[str, str], ...]] = {
    "PATIENT": (),
    "STUDY": (("InstanceAvailability", "ONLINE"),),
    "SERIES": (),
    "INSTANCE": (("InstanceAvailability", "ONLINE"),),
}


@dataclass(frozen=True)
class Query:
    """A search: ``filters`` map keywords (or 8-hex-digit tags) to DICOM matching strings."""

    level: Level = "STUDY"
    filters: Mapping[str, str] = field(default_factory=dict)
    include: frozenset[str] = frozenset()  # extra keywords to return; "all": every indexed one
    limit: int | None = None
    offset: int = 0
    fuzzy: bool = False


def run_search(conn: Connection, query: Query) -> list[Dataset]:
    statement, returned = build(query)
    return to_datasets(conn.execute(statement).all(), query.level, returned)


def to_datasets(rows: Sequence[sa.Row[Any]], level: Level, returned: list[Attribute]) -> list[Dataset]:
    """Result rows of ``build``'s statement as Datasets (extra columns in a row are ignored)."""
    prelude = [(_tag("SpecificCharacterSet"), "CS", "ISO_IR 192")] + [
        (_tag(k), dictionary_VR(k), v) for k, v in _ALWAYS[level]
    ]
    elements = [(a.keyword, _tag(a.keyword), dictionary_VR(a.keyword), a.kind) for a in returned]
    results = []
    for row in rows:
        ds = Dataset()
        for tag, vr, value in prelude:
            ds.add_new(tag, vr, value)
        for keyword, tag, vr, kind in elements:
            ds.add_new(tag, vr, _element_value(row._mapping[keyword], kind))
        results.append(ds)
    return results


def build(query: Query) -> tuple[sa.Select[Any], list[Attribute]]:
    """The SELECT for a query and the attributes each result carries, in return order."""
    if query.level not in LEVELS:
        raise QueryError(f"unknown query level {query.level!r}; expected one of {', '.join(LEVELS)}")
    if query.offset < 0 or (query.limit is not None and query.limit < 0):
        raise QueryError("limit and offset must not be negative")
    rank = level_rank(query.level)
    conditions = []
    matched: list[Attribute] = []
    for key, value in query.filters.items():
        attribute = _resolve(key, rank, query.level)
        matched.append(attribute)
        clause = condition(attribute, _column(attribute), value, query.fuzzy)
        if clause is not None:
            conditions.append(clause)
    returned = _returned(query, rank, matched)
    table = _TABLES[query.level]
    source: sa.FromClause = table
    # Join upwards from the level's table: instance -> series -> study -> patient.
    if rank >= 3:
        source = source.join(series, instance.c.series_pk == series.c.pk)
    if rank >= 2:
        source = source.join(study, series.c.study_pk == study.c.pk)
    if rank >= 1:
        source = source.join(patient, study.c.patient_pk == patient.c.pk)
    columns = [_column(a).label(a.keyword) for a in returned]
    statement = sa.select(*columns).select_from(source).where(*conditions).order_by(table.c.pk)
    if query.limit is not None:
        statement = statement.limit(query.limit)
    if query.offset:
        statement = statement.offset(query.offset)
    return statement, returned


def _resolve(key: str, rank: int, level: Level) -> Attribute:
    keyword = keyword_for_tag(int(key, 16)) if _HEX_TAG.fullmatch(key) else key
    attribute = ATTRIBUTES.get(keyword)
    if attribute is None:
        if tag_for_keyword(keyword) is None:
            raise QueryError(f"unknown attribute {key!r}")
        raise QueryError(f"{keyword} is not a supported matching key")
    if level_rank(attribute.level) > rank:
        raise QueryError(f"{keyword} is a {attribute.level} attribute and cannot be matched at {level} level")
    return attribute


def _returned(query: Query, rank: int, matched: list[Attribute]) -> list[Attribute]:
    keywords = list(DEFAULT_RETURN[query.level]) + [a.keyword for a in matched]
    if "all" in query.include:
        keywords += [a.keyword for a in ATTRIBUTES.values() if level_rank(a.level) <= rank]
    for keyword in sorted(query.include - {"all"}):
        resolved = keyword_for_tag(int(keyword, 16)) if _HEX_TAG.fullmatch(keyword) else keyword
        if tag_for_keyword(resolved) is None:
            raise QueryError(f"unknown attribute {keyword!r} in include")
        attribute = ATTRIBUTES.get(resolved)
        # A valid attribute the index does not hold, or one from a lower level, is simply not returned.
        if attribute is not None and level_rank(attribute.level) <= rank:
            keywords.append(resolved)
    # Patient-level counters belong to patient queries only; elsewhere they would describe another entity.
    seen: dict[str, Attribute] = {}
    for keyword in keywords:
        if keyword not in seen:
            seen[keyword] = ATTRIBUTES[keyword]
    return [a for a in seen.values() if a.kind != "count" or a.level == query.level or query.level == "PATIENT"]


def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    assert tag is not None, keyword
    return tag


def _column(attribute: Attribute) -> sa.ColumnElement[Any]:
    return _TABLES[attribute.level].c[attribute.column]


def _element_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "modalities":
        return value.split("\\")
    return value


def level_table(level: Level) -> sa.Table:
    """The index table holding one row per entity of ``level``."""
    return _TABLES[level]
