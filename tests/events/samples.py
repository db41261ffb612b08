"""Small synthetic studies filed under a project and site, as Part 10 bytes, for the event tests."""

from __future__ import annotations

import io
import random

from pydicom import dcmwrite

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study


def study_parts(seed: int, instances: int = 2, project: str = "LUNG1", site: str = "RXX") -> list[bytes]:
    patient = SyntheticPatient.make(random.Random(seed))
    out = []
    for ds in make_study(patient, StudySpec(series=1, instances_per_series=instances, rows=8, columns=8), seed=seed):
        ds.ClinicalTrialProtocolID = project
        ds.ClinicalTrialSiteID = site
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        out.append(buffer.getvalue())
    return out
