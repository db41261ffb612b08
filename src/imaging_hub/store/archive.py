"""The hub's archive: a blob store of Part 10 files plus a searchable index, safe across threads and processes.

Store path: receive into a temp file (hashing as it streams) -> check structure and read the header ->
look the SOP Instance UID up -> in one write transaction, holding the UID's lock: index rows and counters,
rename the file into place (fsync'd), commit. The rename happens while the lock is held so a concurrent
delete of the same instance can never unlink a file that a just-committed row points at.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import mmap
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

import sqlalchemy as sa
from pydicom.dataset import Dataset
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from imaging_hub.store import ingest, removal
from imaging_hub.store.blobs import BlobStore, Received
from imaging_hub.store.database import Database, normalise_url
from imaging_hub.store.errors import InvalidInstance
from imaging_hub.store.header import InstanceHeader, read_header
from imaging_hub.store.migrate import upgrade
from imaging_hub.store.part10 import FileMeta, check_structure
from imaging_hub.store.records import Conflict, StoredInstance, StoreOutcome, StoreStatus
from imaging_hub.store.schema import conflict, instance, patient, series, study
from imaging_hub.store.search import Query, run_search

log = logging.getLogger(__name__)
T = TypeVar("T")
_ATTEMPTS = 8

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


class Archive:
    """Open with :meth:`open`; every method is thread-safe."""

    def __init__(self, data_dir: Path, database: Database) -> None:
        self.data_dir = data_dir
        self.database = database
        self.blobs = BlobStore(data_dir)

    @classmethod
    def open(cls, data_dir: Path, database_url: str | None = None) -> Archive:
        data_dir = Path(data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(normalise_url(database_url, data_dir))
        upgrade(database)
        archive = cls(data_dir, database)
        archive.blobs.remove_orphan_temps()
        archive._finish_unlinks()
        return archive

    def close(self) -> None:
        self.database.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- storing ---------------------------------------------------------------------------------------
    def store_stream(self, fp: BinaryIO) -> StoreOutcome:
        received = self.blobs.receive_stream(fp)
        try:
            with open(received.temp, "rb") as f:
                if received.size == 0:
                    raise InvalidInstance("no file meta: the stream is empty")
                meta = _check_file(f)
                header = read_header(f, meta)
            return self._file(received, header)
        except BaseException:
            self.blobs.discard(received)
            raise

    def store_bytes(self, data: bytes) -> StoreOutcome:
        # Validate in memory first so refused input never touches the disk.
        meta = check_structure(data)
        header = read_header(io.BytesIO(data), meta)
        received = self.blobs.receive_bytes(data)
        try:
            return self._file(received, header)
        except BaseException:
            self.blobs.discard(received)
            raise

    def store_file(self, path: Path) -> StoreOutcome:
        with open(path, "rb") as fp:
            return self.store_stream(fp)

    def _file(self, received: Received, header: InstanceHeader) -> StoreOutcome:
        uid = header.sop_instance_uid
        relative = self.blobs.blob_path(uid, received.sha256)
        inserted, existing = self._retrying(lambda: self._insert(received, header, relative))
        if inserted:
            return StoreOutcome(StoreStatus.STORED, existing)
        if existing.sha256 == received.sha256:
            self.blobs.discard(received)
            return StoreOutcome(StoreStatus.DUPLICATE, existing, "already stored with identical content")
        return self._keep_conflict(received, header, existing)

    def _insert(self, received: Received, header: InstanceHeader, relative: str) -> tuple[bool, StoredInstance]:
        """Index and place the file in one transaction: (whether this call indexed it, the indexed instance)."""
        now = dt.datetime.now(dt.UTC)
        uid = header.sop_instance_uid
        with self.database.writing() as conn:
            self.database.lock_instances(conn, [uid])
            inserted = not ingest.is_indexed(conn, uid)
            if inserted:
                ingest.add_instance(conn, header, relative, received.size, received.sha256, now)
                self.blobs.place(received, relative)
            stored = self._get(conn, uid)
        assert stored is not None  # read in the same transaction that found or wrote it
        return inserted, stored

    def _keep_conflict(self, received: Received, header: InstanceHeader, existing: StoredInstance) -> StoreOutcome:
        relative = self.blobs.conflict_path(header.sop_instance_uid, received.sha256)
        self.blobs.place(received, relative)
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

    def _get(self, conn: Connection, sop_instance_uid: str) -> StoredInstance | None:
        row = conn.execute(
            sa.select(*_INSTANCE_COLUMNS).select_from(_INSTANCE_SOURCE)
            .where(instance.c.sop_instance_uid == sop_instance_uid)
        ).first()
        return None if row is None else self._instance(row._mapping)

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

    def _instance(self, m: sa.RowMapping) -> StoredInstance:
        return StoredInstance(
            sop_instance_uid=m["sop_instance_uid"], sop_class_uid=m["sop_class_uid"],
            study_instance_uid=m["study_instance_uid"], series_instance_uid=m["series_instance_uid"],
            patient_id=m["patient_id"], transfer_syntax_uid=m["transfer_syntax_uid"],
            path=self.blobs.absolute(m["path"]), size=m["size"], sha256=m["sha256"],
            number_of_frames=m["number_of_frames"], clinical_trial_protocol_id=m["clinical_trial_protocol_id"],
            clinical_trial_site_id=m["clinical_trial_site_id"],
        )

    # -- deleting --------------------------------------------------------------------------------------
    def delete(self, study_uid: str, series_uid: str | None = None, sop_instance_uid: str | None = None) -> int:
        """Remove the instances (and their conflicting copies); the number of indexed instances removed."""

        def rows() -> int:
            with self.database.writing() as conn:
                removed, _ = removal.delete_rows(conn, study_uid, series_uid, sop_instance_uid)
            return removed

        removed = self._retrying(rows)
        self._finish_unlinks()
        return removed

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


def _check_file(f: BinaryIO) -> FileMeta:
    """Check a received file through a read-only map, so a large file is never copied into memory."""
    reason = ""
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        try:
            return check_structure(view)
        except InvalidInstance as exc:
            reason = str(exc)  # the traceback holds views of the map, which must go before it closes
    raise InvalidInstance(reason)


def _transient(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # a get-or-create or foreign key race with a concurrent writer: the retry sees its commit
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("40001", "40P01", "55P03"):
        return True
    return "database is locked" in str(exc.orig)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
