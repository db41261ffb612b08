"""A small synthetic network loaded straight into the archive, with a project per site."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pydicom.dataset import Dataset

from imaging_hub.dicom.synthetic import StudySpec, make_network_sample
from imaging_hub.store import Archive

PROJECT_OF_SITE = {"RX1": "PROJ-A", "RY2": "PROJ-B"}


@dataclass
class Loaded:
    instances: list[Dataset]

    def studies(self, project: str | None = None) -> set[str]:
        return {str(ds.StudyInstanceUID) for ds in self.of(project)}

    def patients(self, project: str | None = None) -> set[str]:
        return {str(ds.PatientID) for ds in self.of(project)}

    def of(self, project: str | None) -> list[Dataset]:
        return [ds for ds in self.instances if project is None or ds.ClinicalTrialProtocolID == project]


def part10(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def load_network(archive: Archive) -> Loaded:
    """2 sites x 2 patients x 1 study x 2 series x 2 instances = 16 small instances."""
    spec = StudySpec(series=2, instances_per_series=2, rows=16, columns=16)
    instances = []
    for site, _patient, ds in make_network_sample(sites=2, patients_per_site=2, spec=spec):
        ds.ClinicalTrialProtocolID = PROJECT_OF_SITE[site]
        ds.ClinicalTrialSiteID = site
        archive.store_bytes(part10(ds))
        instances.append(ds)
    return Loaded(instances)
