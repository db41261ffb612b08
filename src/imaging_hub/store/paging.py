"""Keyset paging over a search: newest indexed first, each page found by the key of the last one.

An offset costs a scan of every row it skips, so page 2,000 of a 100k-study archive would read them all;
a keyset page reads only its own rows (``pk < after`` walks the primary key index backwards).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from pydicom.dataset import Dataset
from sqlalchemy.engine import Connection

from imaging_hub.store.errors import QueryError
from imaging_hub.store.search import Query, build, level_table, to_datasets

MAX_PAGE_SIZE = 500
_KEY = "_page_key"


@dataclass(frozen=True)
class SearchPage:
    results: list[Dataset]
    next_after: str | None  # give as ``after`` for the following page; None on the last page


def run_page(conn: Connection, query: Query, after: str | None, size: int) -> SearchPage:
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}, got {size}")
    statement, returned = build(replace(query, limit=None, offset=0))
    key = level_table(query.level).c.pk
    statement = statement.add_columns(key.label(_KEY)).order_by(None).order_by(key.desc()).limit(size + 1)
    if after is not None:
        statement = statement.where(key < _key(after))
    rows = conn.execute(statement).all()
    more = len(rows) > size
    rows = rows[:size]
    return SearchPage(to_datasets(rows, query.level, returned), str(rows[-1]._mapping[_KEY]) if more else None)


def run_count(conn: Connection, query: Query) -> int:
    """How many entities match ``query`` (its limit and offset ignored)."""
    statement, _ = build(replace(query, limit=None, offset=0))
    counted: Any = sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    return int(conn.execute(counted).scalar_one())


def _key(after: str) -> int:
    if not after.isdigit() or len(after) > 18:
        raise QueryError(f"page key {after[:24]!r} is not one this archive gave out")
    return int(after)
