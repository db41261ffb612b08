"""The store transaction's statements as merged and pipelined on PostgreSQL (``store.driver``): two round
trips, the same guarantees: one STORED per UID across writers, the change feed numbered in commit order under
its lock, and unsettled marks that a clear in the same transaction never removes."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from store_samples import make_datasets, part10

from imaging_hub.store import Archive, StoreStatus
from imaging_hub.store.changes import _FEED_LOCK
from imaging_hub.store.schema import unsettled


def test_two_archives_storing_the_same_instances_at_once_store_each_once(tmp_path: Path, database_url: str) -> None:
    """Two writers (two hub workers: separate group commits and connections) race on every UID."""
    datasets = make_datasets(71, instances=12)
    blobs = [part10(ds) for ds in datasets]
    data_dir = tmp_path / "data"
    with Archive.open(data_dir, database_url) as first, Archive.open(data_dir, database_url) as second:
        start = threading.Barrier(2)
        outcomes: list[StoreStatus] = []

        def send(archive: Archive) -> None:
            for blob in blobs:
                start.wait()  # both send this instance now
                outcomes.append(archive.store_bytes(blob).status)

        threads = [threading.Thread(target=send, args=(archive,)) for archive in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert Counter(outcomes) == {StoreStatus.STORED: 12, StoreStatus.DUPLICATE: 12}
        assert first.count_instances() == 12
        assert sorted(c.sop_instance_uid for c in first.changes(limit=100)) == sorted(
            ds.SOPInstanceUID for ds in datasets)


def test_an_instance_stored_again_at_the_same_path_keeps_its_new_mark(tmp_path: Path, database_url: str) -> None:
    """Stored, deleted and stored again with the same content: the second store's transaction clears the first
    one's mark (same UID, same path) and must keep its own until a later transaction."""
    (ds,) = make_datasets(72, instances=1)
    with Archive.open(tmp_path / "data", database_url) as archive:
        stored = archive.store_bytes(part10(ds)).instance
        assert archive.delete(ds.StudyInstanceUID) == 1
        again = archive.store_bytes(part10(ds)).instance
        assert again.path == stored.path
        with archive.database.reading() as conn:
            marks = conn.execute(sa.select(unsettled.c.sop_instance_uid, unsettled.c.path)).all()
        assert [(uid, archive.data_dir / path) for uid, path in marks] == [(ds.SOPInstanceUID, again.path)]


def test_a_store_waiting_for_the_feed_lock_is_numbered_after_its_holder(postgres_url: str, tmp_path: Path) -> None:
    """The change row's insert takes the feed lock itself: its number must be drawn once the lock is held."""
    first, second = make_datasets(73, instances=2)
    with Archive.open(tmp_path / "data", postgres_url) as archive:
        archive.store_bytes(part10(first))
        with psycopg.connect(postgres_url) as holder:
            holder.execute("SELECT pg_advisory_xact_lock(%s)", (_FEED_LOCK,))
            stored: list[StoreStatus] = []
            writer = threading.Thread(target=lambda: stored.append(archive.store_bytes(part10(second)).status))
            writer.start()
            try:
                with psycopg.connect(postgres_url, autocommit=True) as watcher:
                    for _ in range(6000):  # until the store waits for the lock (or the test fails below)
                        (waiting,) = watcher.execute(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                            "AND objid = %s", (_FEED_LOCK,)).fetchone() or (0,)
                        if waiting:
                            break
                        threading.Event().wait(0.005)
                assert waiting == 1
                (drawn,) = holder.execute("SELECT nextval(pg_get_serial_sequence('changes', 'seq'))").fetchone() or (0,)
            finally:
                holder.commit()  # releases the lock
                writer.join()
        assert stored == [StoreStatus.STORED]
        numbered = {c.sop_instance_uid: c.sequence for c in archive.changes()}
        assert numbered[second.SOPInstanceUID] > drawn > numbered[first.SOPInstanceUID]


def test_a_store_into_an_indexed_series_is_two_round_trips(postgres_url: str, tmp_path: Path) -> None:
    """The reads (UID locks, keys, existing rows) in one round trip, every write with the commit in another."""
    datasets = make_datasets(74, instances=6)
    with Archive.open(tmp_path / "data", postgres_url) as archive:
        for ds in datasets[:3]:
            archive.store_bytes(part10(ds))
        assert archive._leader is not None
        pgconn = archive._leader[1].raw.pgconn
        trace = tmp_path / "libpq.trace"
        with open(trace, "w") as out:
            pgconn.trace(out.fileno())
            pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                outcomes = [archive.store_bytes(part10(ds)) for ds in datasets[3:]]
            finally:
                pgconn.untrace()
        assert {o.status for o in outcomes} == {StoreStatus.STORED}
    directions = [line.split("\t", 1)[0] for line in trace.read_text().splitlines()]
    directions = [d for d in directions if d in ("F", "B")]
    trips = sum(1 for before, after in itertools.pairwise(directions) if (before, after) == ("F", "B"))
    assert trips == 2 * 3


@pytest.mark.parametrize("failing", ["changes", "unsettled"])
def test_a_statement_failing_in_the_pipeline_rolls_back_and_the_next_store_commits(
    postgres_url: str, tmp_path: Path, failing: str
) -> None:
    """An error the server reports only at the commit (a write whose answer is not read) rolls everything
    back, and the kept connection leaves pipeline mode and the failed transaction behind it."""
    first, second = make_datasets(75, instances=2)
    with Archive.open(tmp_path / "data", postgres_url) as archive:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"ALTER TABLE {failing} ADD CONSTRAINT refuse CHECK (false) NOT VALID")
        with pytest.raises(sa.exc.IntegrityError):
            archive.store_bytes(part10(first))
        assert archive.count_instances() == 0
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"ALTER TABLE {failing} DROP CONSTRAINT refuse")
        outcomes = [archive.store_bytes(part10(ds)).status for ds in (first, second)]
        assert outcomes == [StoreStatus.STORED, StoreStatus.STORED]
        assert [c.sop_instance_uid for c in archive.changes()] == [first.SOPInstanceUID, second.SOPInstanceUID]


def test_a_leader_connection_the_server_drops_is_replaced_and_the_store_retried(
    postgres_url: str, tmp_path: Path
) -> None:
    """The kept connection is in pipeline mode between stores; if the server ends it, the next store's
    first read fails, and the retry takes a fresh connection."""
    first, second = make_datasets(76, instances=2)
    with Archive.open(tmp_path / "data", postgres_url) as archive:
        archive.store_bytes(part10(first))
        assert archive._leader is not None
        pid = archive._leader[1].raw.info.backend_pid
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))
        assert archive.store_bytes(part10(second)).status == StoreStatus.STORED
        assert archive._leader is not None and archive._leader[1].raw.info.backend_pid != pid
        assert [c.sop_instance_uid for c in archive.changes()] == [first.SOPInstanceUID, second.SOPInstanceUID]
