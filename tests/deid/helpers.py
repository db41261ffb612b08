"""Shared builders for the de-identification tests."""

from __future__ import annotations

import io
import random

import pydicom
from pydicom.dataset import Dataset

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study


def synthetic_study(seed: int = 7, instances: int = 3, modality: str = "CT") -> tuple[SyntheticPatient, list[Dataset]]:
    patient = SyntheticPatient.make(random.Random(seed), "RX1")
    spec = StudySpec(modality=modality, series=1, instances_per_series=instances, rows=16, columns=16)
    return patient, list(make_study(patient, spec, seed=seed))


def to_bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def roundtrip(ds: Dataset) -> Dataset:
    return pydicom.dcmread(io.BytesIO(to_bytes(ds)))


def add_private_block(ds: Dataset, group: int, creator: str, elements: dict[int, tuple[str, object]]) -> None:
    block = ds.private_block(group, creator, create=True)
    for offset, (vr, value) in elements.items():
        block.add_new(offset, vr, value)
