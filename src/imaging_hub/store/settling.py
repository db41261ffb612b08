"""The store's marks of instances whose files' folder entries may not be durable yet (the ``unsettled`` table).

A store transaction marks the instances it places and clears the marks of an earlier transaction whose folder
flush has finished since; ``Archive.open`` checks whatever marks a crash left. The clear must never remove a
mark the same transaction adds, which can have the same UID and path (an instance stored, deleted and stored
again with the same content). On SQLite the clear runs first; on PostgreSQL clear and mark are one statement
(one fewer for the pipeline to carry), whose DELETE, in a WITH query, sees the table as it was before the
statement, without the rows its INSERT adds.
"""

from __future__ import annotations

from collections.abc import Sequence

from imaging_hub.store.driver import Driver, Sql

_MARK = Sql("INSERT INTO unsettled (sop_instance_uid, series_instance_uid, study_instance_uid, path) "
            "VALUES (:sop_instance_uid, :series_instance_uid, :study_instance_uid, :path)")
_CLEAR = Sql("DELETE FROM unsettled WHERE sop_instance_uid = :sop_instance_uid AND path = :path")
_CLEAR_AND_MARK = Sql(
    "WITH cleared AS (DELETE FROM unsettled WHERE (sop_instance_uid, path) IN "
    "(SELECT * FROM unnest(CAST(:cleared_uids AS text[]), CAST(:cleared_paths AS text[])))) "
    "INSERT INTO unsettled (sop_instance_uid, series_instance_uid, study_instance_uid, path) "
    "SELECT * FROM unnest(CAST(:uids AS text[]), CAST(:series AS text[]), CAST(:studies AS text[]), "
    "CAST(:paths AS text[]))"
)


def clear_and_mark(driver: Driver, cleared: Sequence[dict[str, str]], marks: Sequence[dict[str, str]]) -> None:
    """In the store's transaction: remove the marks ``cleared`` and add ``marks`` (each a dict of the table's
    sop_instance_uid, series_instance_uid, study_instance_uid and path; only UID and path for ``cleared``)."""
    if not driver.postgresql:
        driver.executemany(_CLEAR, cleared)
        driver.executemany(_MARK, marks)
        return
    if not (cleared or marks):
        return
    driver.execute(_CLEAR_AND_MARK, {
        "cleared_uids": [m["sop_instance_uid"] for m in cleared], "cleared_paths": [m["path"] for m in cleared],
        "uids": [m["sop_instance_uid"] for m in marks], "series": [m["series_instance_uid"] for m in marks],
        "studies": [m["study_instance_uid"] for m in marks], "paths": [m["path"] for m in marks],
    })
