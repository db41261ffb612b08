"""The store's marks of instances whose files' folder entries may not be durable yet (the ``unsettled`` table).

A store transaction marks the instances it places and clears the marks of an earlier transaction whose folder
flush has finished since; ``Archive.open`` checks whatever marks a crash left. The clear must never remove a
mark the same transaction adds, which can have the same UID and path (an instance stored, deleted and stored
again with the same content). On SQLite the clear runs first; on PostgreSQL clear and mark are one statement
(one fewer for the pipeline to carry), whose DELETE, in a WITH query, sees the table as it was before the
statement, without the rows its INSERT adds.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from imaging_hub.store.driver import Driver, Sql

_MARK = Sql("INSERT INTO unsettled (sop_instance_uid, series_instance_uid, study_instance_uid, path) "
            "VALUES (:sop_instance_uid, :series_instance_uid, :study_instance_uid, :path)")
_CLEAR = Sql("DELETE FROM unsettled WHERE sop_instance_uid = :sop_instance_uid AND path = :path")


def clear_and_mark(driver: Driver, cleared: Sequence[dict[str, str]], marks: Sequence[dict[str, str]]) -> None:
    """In the store's transaction: remove the marks ``cleared`` and add ``marks`` (each a dict of the table's
    sop_instance_uid, series_instance_uid, study_instance_uid and path; only UID and path for ``cleared``)."""
    if not driver.postgresql:
        driver.executemany(_CLEAR, cleared)
        driver.executemany(_MARK, marks)
        return
    if not (cleared or marks):
        return
    params: dict[str, str] = {}
    for n, mark in enumerate(cleared):
        params[f"cu{n}"], params[f"cp{n}"] = mark["sop_instance_uid"], mark["path"]
    for n, mark in enumerate(marks):
        params[f"mu{n}"], params[f"ms{n}"] = mark["sop_instance_uid"], mark["series_instance_uid"]
        params[f"mt{n}"], params[f"mp{n}"] = mark["study_instance_uid"], mark["path"]
    driver.execute(_clear_and_mark(len(cleared), len(marks)), params)


@functools.lru_cache(maxsize=64)
def _clear_and_mark(cleared: int, marks: int) -> Sql:
    """One statement for ``cleared`` marks to remove and ``marks`` to add (each value a parameter of its own:
    scalars are cheaper for psycopg to send than arrays)."""
    delete = ("DELETE FROM unsettled WHERE (sop_instance_uid, path) IN ("
              + ", ".join(f"(:cu{n}, :cp{n})" for n in range(cleared)) + ")")
    insert = ("INSERT INTO unsettled (sop_instance_uid, series_instance_uid, study_instance_uid, path) VALUES "
              + ", ".join(f"(:mu{n}, :ms{n}, :mt{n}, :mp{n})" for n in range(marks)))
    if not marks:
        return Sql(delete)
    if not cleared:
        return Sql(insert)
    return Sql(f"WITH cleared AS ({delete}) {insert}")
