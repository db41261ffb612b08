"""Receiving in place: spools written into the archive's tmp folder are stored by rename, exactly as streams."""

from __future__ import annotations

from pathlib import Path

from store_samples import make_study_bytes

from imaging_hub.store import Archive, InvalidInstance, Spool, StoreStatus


def _spool(archive: Archive, data: bytes, piece: int = 1000) -> Spool:
    spool = archive.spool()
    for start in range(0, len(data), piece):
        spool.write(data[start:start + piece])
    spool.close()
    return spool


def _files(root: Path, folder: str) -> list[Path]:
    return sorted(p for p in (root / folder).rglob("*") if p.is_file())


def test_spooled_study_is_stored_byte_for_byte_in_one_folder(archive: Archive) -> None:
    study = make_study_bytes(70, series=2, instances=3)
    spools = [_spool(archive, data) for data in study]
    assert all(s.path.parent == archive.data_dir / "tmp" for s in spools)
    outcomes = archive.store_spooled(spools)
    stored = [o.instance for o in outcomes if not isinstance(o, InvalidInstance)]
    assert [o.status for o in outcomes if not isinstance(o, InvalidInstance)] == [StoreStatus.STORED] * 6
    assert [i.path.read_bytes() for i in stored] == study
    assert len({i.path.parent for i in stored}) == 1  # one folder fsync for the whole study
    assert _files(archive.data_dir, "tmp") == []
    # the same bytes from a stream land at the same derived path: a re-send finds the identical file
    again = archive.store_bytes(study[0])
    assert again.status is StoreStatus.DUPLICATE and again.instance.path == stored[0].path


def test_refused_and_duplicate_spools_leave_nothing_behind(archive: Archive) -> None:
    (data,) = make_study_bytes(71, instances=1)
    archive.store_bytes(data)
    broken = _spool(archive, data[: len(data) // 2])
    with_header = _spool(archive, data)
    assert archive.inspect(with_header).sop_instance_uid  # read once, kept for storing
    empty = _spool(archive, b"")
    refused, duplicate, nothing = archive.store_spooled([broken, with_header, empty])
    assert isinstance(refused, InvalidInstance) and "truncated" in str(refused)
    assert not isinstance(duplicate, InvalidInstance) and duplicate.status is StoreStatus.DUPLICATE
    assert isinstance(nothing, InvalidInstance) and "empty" in str(nothing)
    assert _files(archive.data_dir, "tmp") == []
    assert archive.count_instances() == 1


def test_discard_removes_an_unstored_spool(archive: Archive) -> None:
    spool = archive.spool()
    spool.write(b"partial upload")
    archive.discard(spool)
    archive.discard(spool)  # harmless twice, as after a store
    assert _files(archive.data_dir, "tmp") == []
