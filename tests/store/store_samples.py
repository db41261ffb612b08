"""Small synthetic studies as Part 10 bytes for the archive tests."""

from __future__ import annotations

import io
import random
from typing import Any

from pydicom.dataset import Dataset

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study


def part10(ds: Dataset, *, implicit: bool = False) -> bytes:
    if implicit:
        ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def make_datasets(seed: int = 0, series: int = 1, instances: int = 2, modality: str = "CT", **attributes: Any) -> list[
    Dataset
]:
    """One study's datasets (8x8 pixels to stay small); ``attributes`` are set on every instance."""
    patient = SyntheticPatient.make(random.Random(seed))
    spec = StudySpec(modality=modality, series=series, instances_per_series=instances, rows=8, columns=8)
    datasets = list(make_study(patient, spec, seed=seed))
    for ds in datasets:
        for keyword, value in attributes.items():
            setattr(ds, keyword, value)
    return datasets


def make_study_bytes(*args: Any, **kwargs: Any) -> list[bytes]:
    return [part10(ds) for ds in make_datasets(*args, **kwargs)]
