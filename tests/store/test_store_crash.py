"""Crash leftovers: orphan temp files, a blob renamed into place whose commit was lost, unfinished unlinks."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from store_samples import make_datasets, part10

from imaging_hub.store import Archive, Query, StoreStatus, ingest
from imaging_hub.store.blobs import BlobStore
from imaging_hub.store.schema import pending_unlink, unsettled


def test_orphan_temp_files_of_dead_writers_are_removed_on_open(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "data"
    Archive.open(data_dir, database_url).close()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = os.uname().nodename
    orphan = data_dir / "tmp" / f"{host}~{dead.stdout.strip()}~abc.part"
    live = data_dir / "tmp" / f"{host}~{os.getpid()}~def.part"
    orphan.write_bytes(b"half a file")
    live.write_bytes(b"being written by a thread of this process")
    with Archive.open(data_dir, database_url):
        assert not orphan.exists()
        assert live.exists()


_CRASH_AFTER_RENAME = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from imaging_hub.store import Archive
    from imaging_hub.store.blobs import BlobStore

    real_place = BlobStore.place
    def place_then_die(self, received, relative):
        real_place(self, received, relative)
        os._exit(9)  # the process dies after the rename, before the index commit
    BlobStore.place = place_then_die
    archive = Archive.open(Path(sys.argv[1]), sys.argv[2])
    archive.store_file(Path(sys.argv[3]))
    """
)


def test_resend_after_a_crash_between_rename_and_commit_indexes_exactly_once(
    tmp_path: Path, database_url: str
) -> None:
    data_dir = tmp_path / "data"
    (ds,) = make_datasets(51, instances=1)
    data = part10(ds)
    source = tmp_path / "in.dcm"
    source.write_bytes(data)
    crashed = subprocess.run(
        [sys.executable, "-c", _CRASH_AFTER_RENAME, str(data_dir), database_url, str(source)], capture_output=True
    )
    assert crashed.returncode == 9, crashed.stderr
    with Archive.open(data_dir, database_url) as archive:
        assert archive.count_instances() == 0  # the commit never happened
        orphans = [p for p in (data_dir / "blobs").rglob("*.dcm")]
        assert len(orphans) == 1 and orphans[0].read_bytes() == data
        outcome = archive.store_bytes(data)
        assert outcome.status is StoreStatus.STORED and outcome.instance.path == orphans[0]
        assert archive.count_instances() == 1
        assert [p for p in (data_dir / "blobs").rglob("*.dcm")] == orphans
        assert archive.store_bytes(data).status is StoreStatus.DUPLICATE


def test_unlinks_left_by_a_crashed_delete_finish_on_open(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "data"
    with Archive.open(data_dir, database_url) as archive:
        stored = archive.store_bytes(part10(make_datasets(52, instances=1)[0])).instance
        # What a delete leaves if it dies after its commit: rows gone, the file listed as pending.
        leftover = BlobStore(data_dir).blob_path("1.2.3.999", "0" * 64)
        (data_dir / leftover).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / leftover).write_bytes(b"bytes of a deleted instance")
        with archive.database.writing() as conn:
            conn.execute(pending_unlink.insert().values(sop_instance_uid="1.2.3.999", path=leftover))
            # A pending entry whose path was stored again since must not take the new file with it.
            conn.execute(pending_unlink.insert().values(sop_instance_uid=stored.sop_instance_uid,
                                                        path=str(stored.path.relative_to(data_dir))))
    with Archive.open(data_dir, database_url) as archive:
        assert not (data_dir / leftover).exists()
        assert stored.path.exists() and archive.get(stored.sop_instance_uid) == stored
        with archive.database.reading() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(pending_unlink)).scalar_one() == 0


def test_failed_index_write_keeps_no_file(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is renamed into place before its rows are written: a failure puts it back and discards it."""
    (ds,) = make_datasets(53, instances=1)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("imaging_hub.store.ingest.add_instance", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        archive.store_bytes(part10(ds))
    assert archive.count_instances() == 0
    for folder in ("tmp", "blobs"):
        assert [p for p in (archive.data_dir / folder).rglob("*") if p.is_file()] == []


def _crash_takes(path: Path, what: str) -> None:
    """What a power loss can leave of a file renamed into place before it was flushed."""
    if what == "name":
        path.unlink()
    elif what == "tail":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:  # its blocks: the name and size made it to the journal, the contents did not
        path.write_bytes(bytes(path.stat().st_size))


@pytest.mark.parametrize("taken", ["name", "tail", "contents"])
def test_an_instance_committed_whose_file_a_crash_lost_is_removed_on_open(
    tmp_path: Path, database_url: str, taken: str
) -> None:
    """The file's flush and its folder's run with the commit: a power loss can keep the rows and lose the
    rename or the file's contents. The marks the transaction left let the next open check those files against
    their rows, remove an instance whose file is not whole (never acknowledged) and keep the others."""
    data_dir = tmp_path / "data"
    lost_ds, kept_ds = make_datasets(54, instances=2)
    with Archive.open(data_dir, database_url) as archive:
        lost = archive.store_bytes(part10(lost_ds)).instance
        kept = archive.store_bytes(part10(kept_ds)).instance
        before = archive.last_change()
        _crash_takes(lost.path, taken)
        with archive.database.writing() as conn:  # the marks of the transactions it interrupted
            conn.execute(sa.delete(unsettled))
            conn.execute(unsettled.insert(), [
                {"sop_instance_uid": i.sop_instance_uid, "series_instance_uid": i.series_instance_uid,
                 "study_instance_uid": i.study_instance_uid, "path": str(i.path.relative_to(data_dir))}
                for i in (lost, kept)
            ])
    with Archive.open(data_dir, database_url) as archive:
        assert archive.get(lost.sop_instance_uid) is None
        assert archive.get(kept.sop_instance_uid) == kept and kept.path.exists()
        (study,) = archive.search(Query(level="STUDY", filters={"StudyInstanceUID": kept.study_instance_uid}))
        assert study.NumberOfStudyRelatedInstances == 1
        assert [(c.sop_instance_uid, type(c).__name__) for c in archive.changes(since=before)] == [
            (lost.sop_instance_uid, "InstanceRemoved")]
        with archive.database.reading() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(unsettled)).scalar_one() == 0
        assert not lost.path.exists()  # nothing of the broken file is left to serve
        again = archive.store_bytes(part10(lost_ds))  # the sender, never acknowledged, sends it again
        assert again.status is StoreStatus.STORED and again.instance.path.read_bytes() == part10(lost_ds)


def test_marks_are_cleared_by_the_next_transaction_and_on_open(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "data"

    def marks(archive: Archive) -> int:
        with archive.database.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(unsettled)).scalar_one())

    with Archive.open(data_dir, database_url) as archive:
        for ds in make_datasets(55, instances=3):
            archive.store_bytes(part10(ds))
        assert marks(archive) == 1  # only the last transaction's, whose folders are durable by now too
    with Archive.open(data_dir, database_url) as archive:
        assert marks(archive) == 0 and archive.count_instances() == 3


def test_a_transaction_retried_after_its_rows_failed_places_the_file_again(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transient failure after the file was renamed into place: the retry renames it into place again."""
    (ds,) = make_datasets(56, instances=1)
    real = ingest.add_instance
    calls: list[int] = []

    def locked_once(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
        real(*args, **kwargs)

    monkeypatch.setattr("imaging_hub.store.ingest.add_instance", locked_once)
    outcome = archive.store_bytes(part10(ds))
    assert len(calls) == 2 and outcome.status is StoreStatus.STORED
    assert outcome.instance.path.read_bytes() == part10(ds)
    assert [p for p in (archive.data_dir / "tmp").rglob("*") if p.is_file()] == []


def test_a_file_that_cannot_be_placed_puts_back_those_placed_before_it(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renaming the second file of a group fails (a disk error): the first goes back too, nothing is kept."""
    datasets = make_datasets(59, instances=2)
    real = archive.blobs.place
    placed: list[str] = []

    def failing_second(received: Any, relative: str) -> Path:
        if placed:
            raise OSError(5, "Input/output error")
        placed.append(relative)
        return real(received, relative)

    monkeypatch.setattr(archive.blobs, "place", failing_second)
    with pytest.raises(OSError, match="Input/output"):
        archive.store_streams([io.BytesIO(part10(ds)) for ds in datasets])
    assert placed and archive.count_instances() == 0
    for folder in ("tmp", "blobs"):
        assert [p for p in (archive.data_dir / folder).rglob("*") if p.is_file()] == []
