"""Blob store: files kept byte for byte, duplicates are no-ops, conflicting content is kept aside."""

from __future__ import annotations

import io
from pathlib import Path

from store_samples import make_datasets, make_study_bytes, part10

from imaging_hub.store import Archive, StoreStatus


def _files(root: Path, folder: str) -> list[Path]:
    return sorted(p for p in (root / folder).rglob("*") if p.is_file())


def test_stored_file_is_byte_identical_and_indexed(archive: Archive) -> None:
    (data,) = make_study_bytes(1, instances=1)
    outcome = archive.store_bytes(data)
    assert outcome.status is StoreStatus.STORED
    stored = outcome.instance
    assert stored.path.is_absolute() and stored.path.read_bytes() == data
    assert stored.size == len(data)
    assert stored.transfer_syntax_uid == "1.2.840.10008.1.2.1"
    assert archive.get(stored.sop_instance_uid) == stored
    assert _files(archive.data_dir, "tmp") == []


def test_stream_file_and_bytes_entry_points(archive: Archive, tmp_path: Path) -> None:
    first, second, third = make_study_bytes(2, instances=3)
    assert archive.store_stream(io.BytesIO(first)).status is StoreStatus.STORED
    source = tmp_path / "in.dcm"
    source.write_bytes(second)
    assert archive.store_file(source).status is StoreStatus.STORED
    assert archive.store_bytes(third).status is StoreStatus.STORED
    assert archive.count_instances() == 3


def test_same_content_again_is_a_duplicate(archive: Archive) -> None:
    (data,) = make_study_bytes(3, instances=1)
    stored = archive.store_bytes(data).instance
    again = archive.store_stream(io.BytesIO(data))
    assert again.status is StoreStatus.DUPLICATE
    assert again.instance == stored
    assert archive.count_instances() == 1
    assert len(_files(archive.data_dir, "blobs")) == 1
    assert _files(archive.data_dir, "tmp") == []


def test_different_content_for_a_stored_uid_is_a_conflict(archive: Archive) -> None:
    (ds,) = make_datasets(4, instances=1)
    original = part10(ds)
    stored = archive.store_bytes(original).instance
    ds.StudyDescription = "CHANGED AFTER SENDING"
    changed = part10(ds)

    outcome = archive.store_bytes(changed)
    assert outcome.status is StoreStatus.CONFLICT
    assert outcome.instance == stored  # the index keeps the original
    assert "conflicts/" in outcome.reason
    assert stored.path.read_bytes() == original
    (conflict,) = archive.conflicts()
    assert conflict.sop_instance_uid == stored.sop_instance_uid
    assert conflict.path.read_bytes() == changed
    assert conflict.existing_sha256 == stored.sha256 and conflict.sha256 != stored.sha256
    assert conflict.received_at.tzinfo is not None

    # The same conflicting bytes again: still a conflict, recorded once.
    assert archive.store_bytes(changed).status is StoreStatus.CONFLICT
    assert len(archive.conflicts()) == 1
    assert archive.count_instances() == 1


def test_implicit_little_endian_is_kept_as_received(archive: Archive) -> None:
    (ds,) = make_datasets(5, instances=1)
    data = part10(ds, implicit=True)
    stored = archive.store_bytes(data).instance
    assert stored.transfer_syntax_uid == "1.2.840.10008.1.2"
    assert stored.path.read_bytes() == data


def test_instances_are_listed_in_series_then_instance_order(archive: Archive) -> None:
    datasets = make_datasets(6, series=2, instances=3)
    for ds in reversed(datasets):
        archive.store_bytes(part10(ds))
    study_uid = datasets[0].StudyInstanceUID
    listed = archive.instances(study_uid)
    assert [i.sop_instance_uid for i in listed] == [ds.SOPInstanceUID for ds in datasets]
    series_uid = datasets[3].SeriesInstanceUID
    assert [i.sop_instance_uid for i in archive.instances(study_uid, series_uid)] == [
        ds.SOPInstanceUID for ds in datasets[3:]
    ]
    one = archive.instances(study_uid, series_uid, datasets[4].SOPInstanceUID)
    assert [i.sop_instance_uid for i in one] == [datasets[4].SOPInstanceUID]
    assert archive.instances("1.2.3.4") == []
    assert archive.get("1.2.3.4") is None


def test_project_and_site_are_recorded(archive: Archive) -> None:
    (ds,) = make_datasets(7, instances=1, ClinicalTrialProtocolID="PROJ-A", ClinicalTrialSiteID="RX1")
    stored = archive.store_bytes(part10(ds)).instance
    assert (stored.clinical_trial_protocol_id, stored.clinical_trial_site_id) == ("PROJ-A", "RX1")
    assert stored.patient_id == ds.PatientID
