"""The hub's archive: a blob store of Part 10 files plus a searchable index, safe across threads and processes.

Store path: receive into a temp file (hashing as it streams) -> check structure and read the header -> in
one write transaction shared with other threads' arrivals (group commit), holding the UIDs' locks: look the
UIDs up, rename the new files into place and start flushing them and their folders, index rows and
counters, commit, and answer once the commit and the flushes are done: one round of journal commits per
group, not the file's flush, then its folder's, then the index's. The rows are marked ``unsettled`` until a
later transaction, and ``open`` removes a marked row whose file a crash lost or left short (checked against
the row's size and hash). The rename happens while the lock is held so a concurrent delete of the same
instance can never unlink a file that a just-committed row points at.

Events: each instance newly indexed or removed is written to the ``changes`` table in that same
transaction, and published on ``archive.events`` (an ``imaging_hub.events.EventBus``) right after the
commit, in sequence order, by the thread that committed. A duplicate resend or a conflicting copy changes
nothing in the index and announces nothing. ``changes(since=n)`` replays the feed for subscribers that must
not miss a change (see ``imaging_hub.events``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import mmap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import sqlalchemy as sa
from pydicom.dataset import Dataset
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from imaging_hub.events import Change, EventBus, Origin, current_origin
from imaging_hub.store import changes, ingest, removal, settling
from imaging_hub.store.blobs import BlobStore, Received
from imaging_hub.store.database import Database, lock_keys, normalise_url
from imaging_hub.store.driver import Driver, Sql
from imaging_hub.store.errors import InvalidInstance
from imaging_hub.store.group_commit import GroupCommit
from imaging_hub.store.header import HEADER_TAGS, InstanceHeader, read_header
from imaging_hub.store.migrate import upgrade
from imaging_hub.store.paging import SearchPage, run_count, run_page
from imaging_hub.store.records import Conflict, StoredInstance, StoreOutcome, StoreStatus
from imaging_hub.store.schema import conflict, instance, patient, series, study, unsettled
from imaging_hub.store.search import Query, run_search
from imaging_hub.store.spool import Spool
from imaging_hub.store.structure import CheckedFile, check_structure

log = logging.getLogger(__name__)
T = TypeVar("T")
_ATTEMPTS = 8
_FLUSHERS = 2  # one transaction places files at a time: its files' flush and its folders' flush run at once

_INSTANCE_COLUMNS = (
    instance.c.sop_instance_uid, instance.c.sop_class_uid, study.c.study_instance_uid,
    series.c.series_instance_uid, patient.c.patient_id, instance.c.transfer_syntax_uid, instance.c.path,
    instance.c.size, instance.c.sha256, instance.c.number_of_frames, instance.c.clinical_trial_protocol_id,
    instance.c.clinical_trial_site_id,
)
_INSTANCE_SOURCE = (
    instance.join(series, instance.c.series_pk == series.c.pk)
    .join(study, instance.c.study_pk == study.c.pk)
    .join(patient, study.c.patient_pk == patient.c.pk)
)

# Built once: a statement object reused keeps its cache key, so each store skips building and keying it.
_BY_UIDS = (
    sa.select(*_INSTANCE_COLUMNS).select_from(_INSTANCE_SOURCE)
    .where(instance.c.sop_instance_uid.in_(sa.bindparam("uids", expanding=True)))
)

# The same read as plain SQL for the store's write transaction (``store.driver``), and its columns.
_EXISTING_COLUMNS = tuple(c.name for c in _INSTANCE_COLUMNS)
_EXISTING_SELECT = (
    "SELECT i.sop_instance_uid, i.sop_class_uid, st.study_instance_uid, se.series_instance_uid, p.patient_id, "
    "i.transfer_syntax_uid, i.path, i.size, i.sha256, i.number_of_frames, i.clinical_trial_protocol_id, "
    "i.clinical_trial_site_id FROM instance i JOIN series se ON i.series_pk = se.pk "
    "JOIN study st ON i.study_pk = st.pk JOIN patient p ON st.patient_pk = p.pk WHERE "
)
_LOCK_UID = Sql("SELECT pg_advisory_xact_lock(:key)")
_LOCK_UIDS = Sql("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k")


@functools.lru_cache(maxsize=64)
def _existing(condition: str) -> Sql:
    return Sql(_EXISTING_SELECT + condition)


class Archive:
    """Open with :meth:`open`; every method is thread-safe."""

    def __init__(self, data_dir: Path, database: Database, events: EventBus | None = None) -> None:
        self.data_dir = data_dir
        self.database = database
        self.blobs = BlobStore(data_dir)
        self.events = events if events is not None else EventBus()  # subscribe here to hear of changes
        self._group: GroupCommit[_Arrival, tuple[bool, StoredInstance]] = GroupCommit(self._insert)
        self._flusher = ThreadPoolExecutor(_FLUSHERS, thread_name_prefix="store-flush")
        # The group commit leader's connection and its driver, kept between commits.
        self._leader: tuple[Connection, Driver] | None = None
        self._settled: list[dict[str, str]] = []  # unsettled marks whose folders are durable now, to clear

    @classmethod
    def open(cls, data_dir: Path, database_url: str | None = None, *, events: EventBus | None = None) -> Archive:
        """``events``: the bus to publish on (shared with other rooms); a new one when not given."""
        data_dir = Path(data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(normalise_url(database_url, data_dir))
        upgrade(database)
        archive = cls(data_dir, database, events)
        archive.blobs.remove_orphan_temps()
        archive._settle()
        archive._finish_unlinks()
        return archive

    def close(self) -> None:
        if self._leader is not None:
            conn, driver = self._leader
            self._leader = None
            driver.release()
            conn.close()
        self._flusher.shutdown()
        self.database.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- storing ---------------------------------------------------------------------------------------
    # Every store method takes ``origin``: who is storing, carried into the change feed and its events
    # (default: ``imaging_hub.events.current_origin()`` in the calling thread).
    def store_stream(self, fp: BinaryIO, *, origin: Origin | None = None) -> StoreOutcome:
        return _one(self.store_streams([fp], origin=origin))

    def store_streams(
        self, streams: Iterable[BinaryIO], *, origin: Origin | None = None
    ) -> list[StoreOutcome | InvalidInstance]:
        """Store several Part 10 streams with one index transaction: each one's outcome, or why it was refused.

        Refused streams keep nothing; the others are stored exactly as by ``store_stream``.
        """
        origin = origin or current_origin()
        arrivals: list[_Arrival | InvalidInstance] = []
        try:
            for fp in streams:
                received = self.blobs.receive_stream(fp)
                try:
                    arrivals.append(self._arrival(received, origin=origin))
                except InvalidInstance as exc:
                    self.blobs.discard(received)
                    arrivals.append(exc)
            return self._store(arrivals)
        except BaseException:
            for arrival in arrivals:
                if isinstance(arrival, _Arrival):
                    self.blobs.discard(arrival.received)
            raise

    def _arrival(
        self, received: Received, header: InstanceHeader | None = None, *, origin: Origin | None
    ) -> _Arrival:
        if header is None:
            header = _read_file_header(received.temp, received.size)
        return _Arrival(received, header, self._blob_path(header, received.sha256), origin)

    def _blob_path(self, header: InstanceHeader, sha256: str) -> str:
        return self.blobs.blob_path(header.sop_instance_uid, sha256, header.study_instance_uid)

    # -- receiving in place ----------------------------------------------------------------------------
    def spool(self) -> Spool:
        """A new file in the archive's tmp folder to write one incoming instance into (see ``Spool``)."""
        return Spool(self.blobs.new_temp_path())

    def inspect(self, spool: Spool) -> InstanceHeader:
        """Check a closed spool and read its indexed attributes (once); InvalidInstance says why it is refused."""
        if spool.header is None:
            spool.header = _read_file_header(spool.path, spool.size)
        return spool.header

    def store_spooled(
        self, spools: Iterable[Spool], *, origin: Origin | None = None
    ) -> list[StoreOutcome | InvalidInstance]:
        """Store closed spools as ``store_streams`` stores streams, renaming each file into place (no copy).

        The archive owns the spools from here: refused ones are deleted, stored ones become the blobs.
        """
        origin = origin or current_origin()
        spools = list(spools)
        arrivals: list[_Arrival | InvalidInstance] = []
        try:
            for spool in spools:
                try:
                    arrivals.append(self._arrival(spool.received(), self.inspect(spool), origin=origin))
                except InvalidInstance as exc:
                    self.discard(spool)
                    arrivals.append(exc)
            return self._store(arrivals)
        except BaseException:
            for spool in spools:
                self.discard(spool)
            raise

    def discard(self, spool: Spool) -> None:
        """Delete a spool that will not be stored (harmless after it has been stored or discarded)."""
        spool.close()
        spool.path.unlink(missing_ok=True)

    def store_bytes(self, data: bytes, *, origin: Origin | None = None) -> StoreOutcome:
        # Validate in memory first so refused input never touches the disk.
        header = read_header(check_structure(data, HEADER_TAGS))
        received = self.blobs.receive_bytes(data)
        arrival = _Arrival(received, header, self._blob_path(header, received.sha256), origin or current_origin())
        try:
            return _one(self._store([arrival]))
        except BaseException:
            self.blobs.discard(received)
            raise

    def store_file(self, path: Path, *, origin: Origin | None = None) -> StoreOutcome:
        with open(path, "rb") as fp:
            return self.store_stream(fp, origin=origin)

    def _store(self, arrivals: list[_Arrival | InvalidInstance]) -> list[StoreOutcome | InvalidInstance]:
        """Index the valid arrivals with whatever other threads are storing (their files are placed and
        flushed by that transaction, see ``_insert_once``), then answer each: stored, duplicate or conflict."""
        valid = [a for a in arrivals if isinstance(a, _Arrival)]
        if not valid:
            return [a for a in arrivals if isinstance(a, InvalidInstance)]
        indexed = iter(self._group.submit(valid))
        outcomes: list[StoreOutcome | InvalidInstance] = []
        for arrival in arrivals:
            if isinstance(arrival, InvalidInstance):
                outcomes.append(arrival)
                continue
            inserted, existing = next(indexed)
            received = arrival.received
            if inserted:
                outcomes.append(StoreOutcome(StoreStatus.STORED, existing))
            elif existing.sha256 == received.sha256:
                self.blobs.discard(received)  # never flushed: a duplicate costs no flush at all
                outcomes.append(StoreOutcome(StoreStatus.DUPLICATE, existing, "already stored with identical content"))
            else:
                outcomes.append(self._keep_conflict(received, arrival.header, existing))
        return outcomes

    def _insert(self, arrivals: list[_Arrival]) -> list[tuple[bool, StoredInstance]]:
        results, announced = self._retrying(lambda: self._insert_once(arrivals))
        self._publish(announced)  # committed: every arrival of the group is durable before anyone hears of it
        return results

    def _insert_once(self, arrivals: list[_Arrival]) -> tuple[list[tuple[bool, StoredInstance]], list[Change]]:
        """Index and place the files in one transaction: (whether this call indexed each, the indexed instance).

        Once the transaction holds its locks and knows which arrivals are new, their files are renamed into
        place and one flush of the files and their folders starts; the index rows are written and committed
        while it runs, and this returns only when both are done. So each instance waits for one round of
        journal commits, not for its file's flush and then its folder's. The transaction marks its instances
        ``unsettled`` (cleared by a later one): if a crash makes the commit durable but not a file (its name or
        its contents), ``open`` finds the mark, checks the file against the row's size and hash, and removes a
        row whose file is missing or not whole: its sender was never acknowledged. A crash before the commit
        leaves only files at the deterministic paths an identical re-send overwrites.
        """
        now = dt.datetime.now(dt.UTC)
        uids = [a.header.sop_instance_uid for a in arrivals]
        settled, self._settled = self._settled, []
        flushes: list[Future[None]] = []
        marks: list[dict[str, str]] = []
        try:
            with self._leading() as (conn, driver):
                # On PostgreSQL one round trip brings the UIDs' locks, the keys' look-up and the existing rows;
                # each read after the locks are held, in its own statement (a statement sees the rows committed
                # when it starts, before it would wait for a lock).
                if driver.postgresql:
                    keys = lock_keys(uids)
                    if len(keys) == 1:  # as ``Driver.any_of``: no list for psycopg to dump
                        driver.execute(_LOCK_UID, {"key": keys[0]})
                    else:
                        driver.execute(_LOCK_UIDS, {"keys": keys})
                batch = ingest.IndexBatch(conn, driver)
                batch.look_up(a.header for a in arrivals)
                stored = self._indexed_among(driver, uids)  # what is indexed already: duplicates and conflicts
                placing: list[_Arrival] = []
                for arrival in arrivals:
                    uid = arrival.header.sop_instance_uid
                    if uid in stored:
                        continue  # already indexed, or an earlier arrival in this group: duplicate or conflict
                    stored[uid] = self._indexed(arrival)
                    placing.append(arrival)
                # Renamed while the locks are held, so a concurrent delete of the same instance can never unlink
                # a file a just-committed row points at; flushed while the rows are written and committed.
                flushes = self._place(placing)
                try:
                    for arrival in placing:
                        received = arrival.received
                        ingest.add_instance(conn, arrival.header, arrival.relative, received.size,
                                            received.sha256, now, batch=batch)
                    batch.flush()
                    marks = [_unsettled(a) for a in placing]
                    settling.clear_and_mark(driver, settled, marks)
                    # The change rows go last, with the commit (``_leading``): one round trip for every write.
                    announcing = changes.send(driver, [_stored_change(a, now) for a in placing])
                except BaseException:
                    wait(flushes)
                    self._unplace(placing)  # still under the locks: no other writer has seen these files
                    raise
            announced = announcing()
        except BaseException:
            self._settled = settled + self._settled  # not cleared: the next transaction tries again
            raise
        finally:
            wait(flushes)
        for flushed in flushes:
            flushed.result()  # OSError: committed, not acknowledged; open checks the marked files
        self._settled += marks
        placed = {id(a) for a in placing}
        return [(id(a) in placed, stored[a.header.sop_instance_uid]) for a in arrivals], announced

    def _place(self, placing: list[_Arrival]) -> list[Future[None]]:
        """Rename the arrivals' files into place and start flushing them and the folders that name them.

        The files and the folders are flushed at the same time: what a crash can leave half done here is
        found by ``open`` through the unsettled marks, so neither flush has to wait for the other."""
        if not placing:
            return []
        folders: list[Path] = []
        files: list[Path] = []
        for n, arrival in enumerate(placing):
            folders += self.blobs.folders_to_sync(arrival.relative)
            try:
                files.append(self.blobs.place(arrival.received, arrival.relative))
            except BaseException:
                self._unplace(placing[:n])
                raise
        return [self._flusher.submit(self.blobs.sync_placed, files),
                self._flusher.submit(self.blobs.sync_dirs, folders)]

    def _unplace(self, placing: list[_Arrival]) -> None:
        """Put the files of a transaction that failed before its commit back where they were received, so
        nothing of them is left in the blob store (a retry places them again, a refusal discards them)."""
        for arrival in placing:
            with contextlib.suppress(FileNotFoundError):
                self.blobs.absolute(arrival.relative).rename(arrival.received.temp)

    @contextlib.contextmanager
    def _leading(self) -> Iterator[tuple[Connection, Driver]]:
        """The store's write transaction, on a connection the group commit leader keeps (one leader at a time).

        Kept, not checked out of the pool per transaction: no checkout, reset or pre-ping round trip each
        time. The transaction begins and commits on the driver connection (``Driver.begin``; on PostgreSQL in
        the pipeline the driver holds, see ``store.driver``). After any error the driver is released and the
        connection goes back to the pool, whose reset rolls the transaction back (or drops a broken
        connection), and the next transaction takes a fresh one; an error that broke the connection is marked
        for a retry."""
        if self._leader is None or self._leader[0].closed or self._leader[0].invalidated:
            conn = self.database.writer.connect()
            try:
                self._leader = conn, Driver(conn, transactions=True)
            except BaseException:
                conn.close()
                raise
        conn, driver = self._leader
        try:
            driver.begin()
            yield conn, driver
            driver.commit()
        except BaseException as exc:
            self._leader = None
            lost = bool(getattr(driver.raw, "broken", False) or getattr(driver.raw, "closed", False))
            if lost and isinstance(exc, DBAPIError):
                exc.connection_invalidated = True  # a dead connection: the retry takes a fresh one
            driver.release()
            conn.close()
            raise

    def _indexed_among(self, driver: Driver, sop_instance_uids: list[str]) -> dict[str, StoredInstance]:
        """``_get_many`` in the store's write transaction, as plain SQL on its driver."""
        found: dict[str, StoredInstance] = {}
        unique = sorted(set(sop_instance_uids))
        for start in range(0, len(unique), 500):
            condition, params = driver.any_of("i.sop_instance_uid", "uids", unique[start:start + 500])
            for row in driver.all(_existing(condition), params):
                found[row[0]] = self._instance(dict(zip(_EXISTING_COLUMNS, row, strict=True)))
        return found

    def _indexed(self, arrival: _Arrival) -> StoredInstance:
        """The instance as the row just written for ``arrival`` holds it (what reading it back would give)."""
        header, received = arrival.header, arrival.received
        values = header.values
        return StoredInstance(
            sop_instance_uid=header.sop_instance_uid, sop_class_uid=str(values["SOPClassUID"]),
            study_instance_uid=header.study_instance_uid, series_instance_uid=header.series_instance_uid,
            patient_id=values["PatientID"] or "", transfer_syntax_uid=header.transfer_syntax_uid,
            path=self.blobs.absolute(arrival.relative), size=received.size, sha256=received.sha256,
            number_of_frames=values["NumberOfFrames"], clinical_trial_protocol_id=values["ClinicalTrialProtocolID"],
            clinical_trial_site_id=values["ClinicalTrialSiteID"],
        )

    def _keep_conflict(self, received: Received, header: InstanceHeader, existing: StoredInstance) -> StoreOutcome:
        relative = self.blobs.conflict_path(header.sop_instance_uid, received.sha256)
        folders = self.blobs.folders_to_sync(relative)
        self.blobs.sync_placed([self.blobs.place(received, relative)])
        self.blobs.sync_dirs(folders)
        now = dt.datetime.now(dt.UTC)

        def record() -> None:
            with self.database.writing() as conn:
                ingest.add_conflict(conn, header, relative, received.size, received.sha256, existing.sha256, now)

        self._retrying(record)
        log.warning("conflicting content for an indexed SOP Instance UID kept at %s", relative)
        return StoreOutcome(
            StoreStatus.CONFLICT, existing,
            f"different content for an already stored SOP Instance UID; kept aside for review at {relative}",
        )

    # -- reading ---------------------------------------------------------------------------------------
    def get(self, sop_instance_uid: str) -> StoredInstance | None:
        with self.database.reading() as conn:
            return self._get(conn, sop_instance_uid)

    def get_many(self, sop_instance_uids: list[str]) -> dict[str, StoredInstance]:
        """The indexed instances among these UIDs, by UID, in one query per 500 (absent ones left out)."""
        with self.database.reading() as conn:
            return self._get_many(conn, sop_instance_uids)

    def _get(self, conn: Connection, sop_instance_uid: str) -> StoredInstance | None:
        row = conn.execute(
            sa.select(*_INSTANCE_COLUMNS).select_from(_INSTANCE_SOURCE)
            .where(instance.c.sop_instance_uid == sop_instance_uid)
        ).first()
        return None if row is None else self._instance(row._mapping)

    def _get_many(self, conn: Connection, sop_instance_uids: list[str]) -> dict[str, StoredInstance]:
        found: dict[str, StoredInstance] = {}
        unique = sorted(set(sop_instance_uids))
        for start in range(0, len(unique), 500):
            rows = conn.execute(_BY_UIDS, {"uids": unique[start:start + 500]}).mappings()
            found.update((row["sop_instance_uid"], self._instance(row)) for row in rows)
        return found

    def instances(
        self, study_uid: str, series_uid: str | None = None, sop_instance_uid: str | None = None
    ) -> list[StoredInstance]:
        """A study's (or series', or one) instances ordered by series number, then instance number."""
        statement = sa.select(*_INSTANCE_COLUMNS).select_from(_INSTANCE_SOURCE).where(
            study.c.study_instance_uid == study_uid
        )
        if series_uid is not None:
            statement = statement.where(series.c.series_instance_uid == series_uid)
        if sop_instance_uid is not None:
            statement = statement.where(instance.c.sop_instance_uid == sop_instance_uid)
        statement = statement.order_by(
            series.c.series_number.nulls_last(), series.c.pk, instance.c.instance_number.nulls_last(), instance.c.pk
        )
        with self.database.reading() as conn:
            return [self._instance(row) for row in conn.execute(statement).mappings()]

    def search(self, query: Query) -> list[Dataset]:
        with self.database.reading() as conn:
            return run_search(conn, query)

    def search_page(self, query: Query, after: str | None = None, size: int = 50) -> SearchPage:
        """One page of a search, newest indexed first; ``after``: the previous page's ``next_after``."""
        with self.database.reading() as conn:
            return run_page(conn, query, after, size)

    def count(self, query: Query) -> int:
        """How many entities match ``query``."""
        with self.database.reading() as conn:
            return run_count(conn, query)

    def conflicts(self) -> list[Conflict]:
        with self.database.reading() as conn:
            rows = conn.execute(sa.select(conflict).order_by(conflict.c.pk)).all()
        return [
            Conflict(
                sop_instance_uid=row.sop_instance_uid, study_instance_uid=row.study_instance_uid,
                series_instance_uid=row.series_instance_uid, path=self.blobs.absolute(row.path), size=row.size,
                sha256=row.sha256, existing_sha256=row.existing_sha256, received_at=_aware(row.received_at),
            )
            for row in rows
        ]

    def count_instances(self) -> int:
        with self.database.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(instance)).scalar_one())

    def _instance(self, m: Mapping[Any, Any]) -> StoredInstance:
        return StoredInstance(
            sop_instance_uid=m["sop_instance_uid"], sop_class_uid=m["sop_class_uid"],
            study_instance_uid=m["study_instance_uid"], series_instance_uid=m["series_instance_uid"],
            patient_id=m["patient_id"], transfer_syntax_uid=m["transfer_syntax_uid"],
            path=self.blobs.absolute(m["path"]), size=m["size"], sha256=m["sha256"],
            number_of_frames=m["number_of_frames"], clinical_trial_protocol_id=m["clinical_trial_protocol_id"],
            clinical_trial_site_id=m["clinical_trial_site_id"],
        )

    # -- the change feed -------------------------------------------------------------------------------
    def changes(self, since: int = 0, limit: int = 100) -> list[Change]:
        """Changes with a sequence number above ``since``, oldest first, at most ``limit`` (like Orthanc's
        /changes): resume from the last ``sequence`` handled to catch up on what live events missed."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        with self.database.reading() as conn:
            return changes.since(conn, since, limit)

    def last_change(self) -> int:
        """The newest sequence number in the feed (0 when nothing has changed yet)."""
        with self.database.reading() as conn:
            return changes.last(conn)

    def _publish(self, announced: list[Change]) -> None:
        for event in announced:
            self.events.publish(event)

    # -- deleting --------------------------------------------------------------------------------------
    def delete(
        self, study_uid: str, series_uid: str | None = None, sop_instance_uid: str | None = None, *,
        origin: Origin | None = None,
    ) -> int:
        """Remove the instances (and their conflicting copies); the number of indexed instances removed.

        Each removed instance is one ``InstanceRemoved`` in the change feed, published after the commit."""
        origin = origin or current_origin()

        def rows() -> list[Change]:
            with self.database.writing() as conn:
                now = dt.datetime.now(dt.UTC)
                removed, _ = removal.delete_rows(conn, study_uid, series_uid, sop_instance_uid, now, origin)
                return changes.record(conn, removed)

        announced = self._retrying(rows)
        self._publish(announced)
        self._finish_unlinks()
        return len(announced)

    def _settle(self) -> None:
        """Check the instances a crash may have left committed before their files were durable: flush the
        files and folders of those whose file is whole (the size and hash its row records), remove those whose
        file is missing or not whole (and say so in the change feed), then clear the marks."""
        with self.database.reading() as conn:
            marks = conn.execute(sa.select(unsettled)).all()
            if not marks:
                return
            rows = {r.sop_instance_uid: r for r in conn.execute(
                sa.select(instance.c.sop_instance_uid, instance.c.path, instance.c.size, instance.c.sha256)
                .where(instance.c.sop_instance_uid.in_({m.sop_instance_uid for m in marks}))
            )}
        indexed = [m for m in marks if (row := rows.get(m.sop_instance_uid)) is not None and row.path == m.path]
        broken = [m for m in indexed if not self.blobs.whole(m.path, rows[m.sop_instance_uid].size,
                                                              rows[m.sop_instance_uid].sha256)]
        kept = [self.data_dir / m.path for m in indexed if m not in broken]
        self.blobs.sync_placed(kept)
        self.blobs.sync_dirs({path.parent for path in kept})
        now = dt.datetime.now(dt.UTC)

        def settle() -> list[Change]:
            removed: list[changes.ChangeRow] = []
            with self.database.writing() as conn:
                self.database.lock_instances(conn, [m.sop_instance_uid for m in broken])
                for mark in broken:
                    path = conn.execute(
                        sa.select(instance.c.path).where(instance.c.sop_instance_uid == mark.sop_instance_uid)
                    ).scalar()
                    if path == mark.path:
                        gone, _ = removal.delete_rows(conn, mark.study_instance_uid, mark.series_instance_uid,
                                                      mark.sop_instance_uid, now)
                        removed += gone
                        self.blobs.unlink(mark.path)  # what a crash left of it; a re-send places it whole
                conn.execute(sa.delete(unsettled).where(unsettled.c.pk.in_([m.pk for m in marks])))
                return changes.record(conn, removed)

        announced = self._retrying(settle)
        if announced:
            log.warning("%d instances lost their files in a crash before they were acknowledged; removed from "
                        "the index", len(announced))
        self._publish(announced)

    def _finish_unlinks(self) -> None:
        """Unlink files recorded by committed deletions, unless the same content has been stored again."""
        while True:
            with self.database.reading() as conn:
                batch = removal.pending(conn)
            if not batch:
                return

            def unlink(batch: list[tuple[int, removal.Doomed]] = batch) -> None:
                with self.database.writing() as conn:
                    self.database.lock_instances(conn, [d.sop_instance_uid for _, d in batch])
                    reused = removal.still_indexed(conn, [d.path for _, d in batch])
                    for _, doomed in batch:
                        if doomed.path not in reused:
                            self.blobs.unlink(doomed.path)
                    removal.clear_pending(conn, [pk for pk, _ in batch])

            self._retrying(unlink)

    # -- transactions ----------------------------------------------------------------------------------
    def _retrying(self, work: Callable[[], T]) -> T:
        """Run a write transaction again when the database reports a deadlock, lock timeout or lost race."""
        for attempt in range(_ATTEMPTS):
            try:
                return work()
            except (OperationalError, IntegrityError, DBAPIError) as exc:
                if attempt == _ATTEMPTS - 1 or not _transient(exc):
                    raise
                time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")


@dataclass(eq=False, slots=True)
class _Arrival:
    """A received, checked instance waiting for its index transaction."""

    received: Received
    header: InstanceHeader
    relative: str  # where it goes, relative to the data folder
    origin: Origin | None = None  # who sent it, captured in the sender's thread


def _unsettled(arrival: _Arrival) -> dict[str, str]:
    header = arrival.header
    return {"sop_instance_uid": header.sop_instance_uid, "series_instance_uid": header.series_instance_uid,
            "study_instance_uid": header.study_instance_uid, "path": arrival.relative}


def _stored_change(arrival: _Arrival, now: dt.datetime) -> changes.ChangeRow:
    values = arrival.header.values
    return changes.ChangeRow(
        changes.STORED, arrival.header.sop_instance_uid, arrival.header.series_instance_uid,
        arrival.header.study_instance_uid, str(values["SOPClassUID"]), values["ClinicalTrialProtocolID"] or "",
        values["ClinicalTrialSiteID"] or "", values["Modality"] or "", arrival.received.size,
        arrival.received.sha256, now, arrival.origin,
    )


def _one(outcomes: list[StoreOutcome | InvalidInstance]) -> StoreOutcome:
    (outcome,) = outcomes
    if isinstance(outcome, InvalidInstance):
        raise outcome
    return outcome


def _read_file_header(path: Path, size: int) -> InstanceHeader:
    if size == 0:
        raise InvalidInstance("no file meta: the stream is empty")
    with open(path, "rb") as f:
        return read_header(_check_file(f))


def peek_header(fp: BinaryIO) -> InstanceHeader:
    """Check a Part 10 file and read its indexed attributes without storing it; InvalidInstance says why not."""
    return read_header(_check_file(fp))


def _check_file(f: BinaryIO) -> CheckedFile:
    """Check a received file through a read-only map, so a large file is never copied into memory."""
    reason = ""
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        try:
            return check_structure(view, HEADER_TAGS)
        except InvalidInstance as exc:
            reason = str(exc)  # the traceback holds views of the map, which must go before it closes
    raise InvalidInstance(reason)


def _transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    if isinstance(exc, IntegrityError):
        return True  # a get-or-create or foreign key race with a concurrent writer: the retry sees its commit
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("40001", "40P01", "55P03"):
        return True
    return "database is locked" in str(exc.orig)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
