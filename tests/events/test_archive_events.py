"""The archive announces each instance it newly indexes or removes, exactly once, after the commit, and keeps
the same changes in a feed a subscriber can replay (SQLite and PostgreSQL through the ``archive`` fixture)."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from pathlib import Path

import pytest
from pydicom import dcmread
from samples import study_parts

from imaging_hub.events import EventBus, InstanceRemoved, InstanceStored, Origin, acting
from imaging_hub.store import Archive


class Heard:
    """A subscriber that keeps what it hears."""

    def __init__(self, archive: Archive) -> None:
        self.stored: list[InstanceStored] = []
        self.removed: list[InstanceRemoved] = []
        archive.events.subscribe(InstanceStored, self.stored.append)
        archive.events.subscribe(InstanceRemoved, self.removed.append)


def test_each_store_path_announces_each_new_instance_once(archive: Archive, tmp_path: Path) -> None:
    heard = Heard(archive)
    by_bytes, by_file, by_stream, by_spool = (study_parts(seed) for seed in (1, 2, 3, 4))
    for part in by_bytes:
        archive.store_bytes(part)
    for n, part in enumerate(by_file):
        path = tmp_path / f"{n}.dcm"
        path.write_bytes(part)
        archive.store_file(path)
    archive.store_streams([io.BytesIO(p) for p in by_stream])
    spools = []
    for part in by_spool:
        spool = archive.spool()
        spool.write(part)
        spool.close()
        spools.append(spool)
    archive.store_spooled(spools)
    sent = by_bytes + by_file + by_stream + by_spool
    assert [e.sop_instance_uid for e in heard.stored] == [str(dcmread(io.BytesIO(p)).SOPInstanceUID) for p in sent]

    first = heard.stored[0]
    ds = dcmread(io.BytesIO(by_bytes[0]))
    assert (first.study_instance_uid, first.series_instance_uid, first.sop_class_uid) == (
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPClassUID)
    assert (first.project, first.site, first.modality) == ("LUNG1", "RXX", "CT")
    assert (first.size, first.sha256) == (len(by_bytes[0]), hashlib.sha256(by_bytes[0]).hexdigest())
    sequences = [e.sequence for e in heard.stored]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sent)

    # The same instances again, by every path: duplicates change nothing and announce nothing.
    for part in sent:
        archive.store_bytes(part)
    archive.store_streams([io.BytesIO(p) for p in by_stream])
    assert len(heard.stored) == len(sent)
    assert archive.changes(since=0, limit=1000) == heard.stored
    assert archive.last_change() == heard.stored[-1].sequence


def test_a_conflicting_copy_is_not_announced(archive: Archive) -> None:
    heard = Heard(archive)
    (part,) = study_parts(5, instances=1)
    archive.store_bytes(part)
    ds = dcmread(io.BytesIO(part))
    ds.SeriesDescription = "changed content, same SOP Instance UID"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    assert archive.store_bytes(buffer.getvalue()).status.value == "conflict"
    assert len(heard.stored) == 1 and len(archive.changes()) == 1


def test_removal_announces_each_instance_removed(archive: Archive) -> None:
    heard = Heard(archive)
    parts = study_parts(6, instances=3)
    for part in parts:
        archive.store_bytes(part)
    study = heard.stored[0].study_instance_uid
    with acting(Origin("hub", "withdrawal by sdm@rxx.example")):
        assert archive.delete(study) == 3
    assert sorted(e.sop_instance_uid for e in heard.removed) == sorted(e.sop_instance_uid for e in heard.stored)
    assert {(e.project, e.site, e.study_instance_uid) for e in heard.removed} == {("LUNG1", "RXX", study)}
    assert {e.origin for e in heard.removed} == {Origin("hub", "withdrawal by sdm@rxx.example")}
    assert min(e.sequence for e in heard.removed) > max(e.sequence for e in heard.stored)
    assert archive.delete(study) == 0  # nothing left: nothing more announced
    assert len(heard.removed) == 3
    assert [type(c).__name__ for c in archive.changes(limit=100)] == ["InstanceStored"] * 3 + ["InstanceRemoved"] * 3


def test_a_raising_subscriber_never_fails_the_store(archive: Archive, caplog: pytest.LogCaptureFixture) -> None:
    def broken(event: InstanceStored) -> None:
        raise RuntimeError(f"subscriber bug quoting {event.sop_instance_uid} and a name DOE^JANE")

    archive.events.subscribe(InstanceStored, broken)
    heard = Heard(archive)  # subscribed after the broken one: still hears everything
    parts = study_parts(7)
    with caplog.at_level(logging.ERROR):
        outcomes = [archive.store_bytes(p) for p in parts]
    assert [o.status.value for o in outcomes] == ["stored", "stored"]
    assert archive.count_instances() == 2 and len(heard.stored) == 2
    failures = [r for r in caplog.records if "subscriber" in r.getMessage()]
    assert len(failures) == 2 and all("RuntimeError" in r.getMessage() for r in failures)
    assert not any("DOE^JANE" in r.getMessage() or heard.stored[0].sop_instance_uid in r.getMessage()
                   for r in failures)


def test_a_crashed_subscriber_catches_up_from_the_feed(archive: Archive) -> None:
    """A subscriber that stops (its process died) resumes from the last sequence it finished, missing nothing."""
    finished: list[int] = []
    unsubscribe = archive.events.subscribe(InstanceStored, lambda e: finished.append(e.sequence))
    for part in study_parts(8):
        archive.store_bytes(part)
    unsubscribe()  # the subscriber is gone; the archive carries on
    missed = study_parts(9, instances=3)
    for part in missed:
        archive.store_bytes(part)
    archive.delete(str(dcmread(io.BytesIO(missed[0])).StudyInstanceUID), sop_instance_uid=str(
        dcmread(io.BytesIO(missed[0])).SOPInstanceUID))
    caught_up = []
    since = finished[-1]
    while page := archive.changes(since=since, limit=2):  # paged, as a subscriber would read it
        caught_up += page
        since = page[-1].sequence
    assert [type(c).__name__ for c in caught_up] == ["InstanceStored"] * 3 + ["InstanceRemoved"]
    assert [c.sop_instance_uid for c in caught_up[:3]] == [str(dcmread(io.BytesIO(p)).SOPInstanceUID) for p in missed]
    with pytest.raises(ValueError, match="limit"):
        archive.changes(limit=0)


def test_origin_travels_with_each_arrival_through_group_commit(archive: Archive) -> None:
    """Concurrent senders share index transactions; each event still names its own sender."""
    heard = Heard(archive)
    senders = {f"peer{n}": study_parts(20 + n, instances=3) for n in range(6)}

    def send(name: str) -> None:
        with acting(Origin("dimse", name, "127.0.0.1")):
            for part in senders[name]:
                archive.store_bytes(part)

    threads = [threading.Thread(target=send, args=(name,)) for name in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(heard.stored) == 18
    for event in heard.stored:
        assert event.origin is not None
        sent_by = senders[event.origin.principal]
        assert event.sop_instance_uid in {str(dcmread(io.BytesIO(p)).SOPInstanceUID) for p in sent_by}
    explicit = study_parts(30, instances=1)[0]
    archive.store_bytes(explicit, origin=Origin("cli", "importer"))
    assert heard.stored[-1].origin == Origin("cli", "importer")
    assert archive.changes(since=heard.stored[-2].sequence)[0].origin == Origin("cli", "importer")
    assert sorted(e.sequence for e in heard.stored) == [e.sequence for e in archive.changes(limit=100)]


def test_a_shared_bus_given_at_open(tmp_path: Path, database_url: str) -> None:
    bus = EventBus()
    heard: list[InstanceStored] = []
    bus.subscribe(InstanceStored, heard.append)
    with Archive.open(tmp_path / "data", database_url, events=bus) as archive:
        assert archive.events is bus
        archive.store_bytes(study_parts(40, instances=1)[0])
    assert len(heard) == 1
    with Archive.open(tmp_path / "data", database_url) as reopened:  # the feed outlives the process
        assert reopened.changes() == heard


def test_a_reader_following_the_feed_misses_nothing_while_two_workers_store(
    archive: Archive, database_url: str, tmp_path: Path
) -> None:
    """Two archives on one database (two hub workers) store at once while a reader pages through the feed
    from its last sequence: numbers follow commit order, so the reader never skips one that commits late."""
    second = Archive.open(archive.data_dir, database_url)
    studies = [study_parts(60 + n, instances=4) for n in range(8)]
    done = threading.Event()
    followed: list[int] = []

    def follow() -> None:
        since = 0
        while True:
            finished = done.is_set()
            for change in archive.changes(since=since, limit=50):
                followed.append(change.sequence)
                since = change.sequence
            if finished:
                return

    def send(worker: Archive, parts: list[bytes]) -> None:
        for part in parts:
            worker.store_bytes(part)

    reader = threading.Thread(target=follow)
    reader.start()
    senders = [threading.Thread(target=send, args=(archive if n % 2 else second, parts))
               for n, parts in enumerate(studies)]
    try:
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join()
    finally:
        done.set()
        reader.join()
        second.close()
    assert followed == [c.sequence for c in archive.changes(limit=1000)]
    assert len(followed) == 32
