"""The hub's archive: Part 10 files stored as received, deduplicated, indexed for QIDO-RS and C-FIND.

Public surface::

    archive = Archive.open(data_dir, database_url=None, events=None)   # SQLite in data_dir, or postgresql://...
    archive.store_stream(fp) / store_bytes(data) / store_file(path), each with origin=None -> StoreOutcome
    archive.get(sop_instance_uid) -> StoredInstance | None
    archive.instances(study_uid, series_uid=None, sop_instance_uid=None) -> list[StoredInstance]
    archive.search(Query(...)) -> list[pydicom.Dataset]
    archive.search_page(Query(...), after=None, size=50) -> SearchPage   # keyset paging, newest first
    archive.count(Query(...)) -> int
    archive.delete(study_uid, series_uid=None, sop_instance_uid=None, origin=None) -> int
    archive.conflicts() -> list[Conflict]; archive.count_instances() -> int; archive.close()

Receiving in place (no copy when stored)::

    spool = archive.spool(); spool.write(...); spool.close()   # a file in the archive's tmp folder
    archive.inspect(spool) -> InstanceHeader                    # checked once; InvalidInstance says why not
    archive.store_spooled([spool, ...]) -> list[StoreOutcome | InvalidInstance]; archive.discard(spool)

Hearing of changes (see ``imaging_hub.events``)::

    archive.events.subscribe(InstanceStored, handler)   # or InstanceRemoved; live, after each commit
    archive.changes(since=seq, limit=n) -> [InstanceStored | InstanceRemoved]; archive.last_change() -> int

``peek_header(fp)`` checks a Part 10 file and reads its indexed attributes without storing it.
``imaging_hub.store.bulk.insert_synthetic_index`` fills the index with file-less rows for query benchmarks.
"""

from imaging_hub.store.archive import Archive, peek_header
from imaging_hub.store.attributes import ATTRIBUTES, Level
from imaging_hub.store.errors import InvalidInstance, QueryError
from imaging_hub.store.paging import SearchPage
from imaging_hub.store.records import Conflict, StoredInstance, StoreOutcome, StoreStatus
from imaging_hub.store.search import Query
from imaging_hub.store.spool import Spool

__all__ = [
    "ATTRIBUTES",
    "Archive",
    "Conflict",
    "InvalidInstance",
    "Level",
    "Query",
    "QueryError",
    "SearchPage",
    "Spool",
    "StoreOutcome",
    "StoreStatus",
    "StoredInstance",
    "peek_header",
]
