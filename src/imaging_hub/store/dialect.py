"""INSERT ... ON CONFLICT DO NOTHING for whichever backend a connection speaks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_ignoring_conflicts(
    conn: Connection, table: sa.Table, values: dict[str, Any], keys: list[str]
) -> int | None:
    """Insert a row unless one with the same ``keys`` exists; the new primary key, or None if it existed."""
    builder = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = builder(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    if "pk" in table.c:
        result = conn.execute(stmt.returning(table.c.pk)).scalar()
        return None if result is None else int(result)
    return 1 if conn.execute(stmt).rowcount else None
