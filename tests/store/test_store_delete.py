"""Deletion removes index rows, counters and files together; conflicting copies go too."""

from __future__ import annotations

import sqlalchemy as sa
from store_samples import make_datasets, part10

from imaging_hub.store import Archive, Query, StoreStatus
from imaging_hub.store.schema import pending_unlink


def _study_counts(archive: Archive, study_uid: str) -> tuple[int, int, list[str]] | None:
    found = archive.search(Query(filters={"StudyInstanceUID": study_uid}))
    if not found:
        return None
    (study,) = found
    modalities = study.ModalitiesInStudy
    listed = [modalities] if isinstance(modalities, str) else list(modalities)
    return study.NumberOfStudyRelatedSeries, study.NumberOfStudyRelatedInstances, listed


def _blob_files(archive: Archive) -> int:
    return sum(1 for p in (archive.data_dir / "blobs").rglob("*") if p.is_file())


def test_delete_instance_series_and_study_keep_counters_right(archive: Archive) -> None:
    datasets = make_datasets(31, series=2, instances=3)
    for ds in datasets[3:]:
        ds.Modality = "SR"
    stored = [archive.store_bytes(part10(ds)).instance for ds in datasets]
    study_uid, first_series, second_series = stored[0].study_instance_uid, stored[0].series_instance_uid, stored[
        3
    ].series_instance_uid
    assert _study_counts(archive, study_uid) == (2, 6, ["CT", "SR"])

    assert archive.delete(study_uid, first_series, stored[0].sop_instance_uid) == 1
    assert not stored[0].path.exists() and archive.get(stored[0].sop_instance_uid) is None
    assert _study_counts(archive, study_uid) == (2, 5, ["CT", "SR"])

    assert archive.delete(study_uid, second_series) == 3
    assert _study_counts(archive, study_uid) == (1, 2, ["CT"])
    (patient,) = archive.search(Query(level="PATIENT"))
    assert (patient.NumberOfPatientRelatedStudies, patient.NumberOfPatientRelatedSeries,
            patient.NumberOfPatientRelatedInstances) == (1, 1, 2)

    assert archive.delete(study_uid) == 2
    assert _study_counts(archive, study_uid) is None
    assert archive.search(Query(level="PATIENT")) == []
    assert archive.count_instances() == 0 and _blob_files(archive) == 0
    with archive.database.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(pending_unlink)).scalar_one() == 0


def test_delete_leaves_other_studies_and_unknown_uids_alone(archive: Archive) -> None:
    keep = [archive.store_bytes(part10(ds)).instance for ds in make_datasets(32, instances=2)]
    gone = [archive.store_bytes(part10(ds)).instance for ds in make_datasets(33, instances=2)]
    assert archive.delete("1.2.3.4.5") == 0
    assert archive.delete(gone[0].study_instance_uid, "1.2.3.4.5") == 0
    assert archive.delete(gone[0].study_instance_uid, None, keep[0].sop_instance_uid) == 0  # wrong study
    assert archive.delete(gone[0].study_instance_uid) == 2
    assert [i.sop_instance_uid for i in archive.instances(keep[0].study_instance_uid)] == [
        i.sop_instance_uid for i in keep
    ]
    assert all(i.path.exists() for i in keep) and not any(i.path.exists() for i in gone)


def test_conflicting_copies_are_deleted_with_their_instance(archive: Archive) -> None:
    (ds,) = make_datasets(34, instances=1)
    stored = archive.store_bytes(part10(ds)).instance
    ds.SeriesDescription = "RESENT WITH CHANGES"
    assert archive.store_bytes(part10(ds)).status is StoreStatus.CONFLICT
    (conflict,) = archive.conflicts()
    assert archive.delete(stored.study_instance_uid) == 1
    assert archive.conflicts() == [] and not conflict.path.exists()


def test_deleted_instance_can_be_stored_again(archive: Archive) -> None:
    (ds,) = make_datasets(35, instances=1)
    data = part10(ds)
    first = archive.store_bytes(data).instance
    archive.delete(first.study_instance_uid)
    again = archive.store_bytes(data)
    assert again.status is StoreStatus.STORED
    assert again.instance.path == first.path and again.instance.path.read_bytes() == data
    assert _study_counts(archive, first.study_instance_uid) == (1, 1, ["CT"])
