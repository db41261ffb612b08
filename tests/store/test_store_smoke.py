"""The archive opens on both backends and round-trips one study."""

from __future__ import annotations

import io
import random

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.store import Archive, Query, StoreStatus


def test_store_and_find_a_study(archive: Archive) -> None:
    patient = SyntheticPatient.make(random.Random(7))
    for ds in make_study(patient, StudySpec(series=2, instances_per_series=2)):
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        assert archive.store_bytes(buffer.getvalue()).status is StoreStatus.STORED
    (found,) = archive.search(Query(level="STUDY", filters={"PatientID": patient.patient_id}))
    assert found.NumberOfStudyRelatedInstances == 4
    assert archive.count_instances() == 4
