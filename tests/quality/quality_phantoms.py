"""Synthetic series for the quality tests: the dicom package's generator for the headers, known pixels."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study

ROWS = COLUMNS = 128
RADIUS = 40  # pixels
CT_INTERCEPT = -1024


def series(modality: str = "CT", slices: int = 10, *, seed: int = 1, description: str | None = None) -> list[Dataset]:
    """One series of ``slices`` instances 2.5 mm apart, with the acquisition attributes the protocol checks."""
    patient = SyntheticPatient.make(random.Random(seed))
    spec = StudySpec(modality=modality, series=1, instances_per_series=slices, rows=ROWS, columns=COLUMNS)
    headers = list(make_study(patient, spec, seed=seed))
    for ds in headers:
        ds.SeriesDescription = description or ("CT CHEST" if modality == "CT" else "T1 AX BRAIN")
        ds.ProtocolName = ds.SeriesDescription
        ds.ClinicalTrialSiteID = "RX1"
        ds.BitsStored = 16
        ds.HighBit = 15
        if modality == "CT":
            ds.ConvolutionKernel = "STANDARD"
        else:
            ds.SequenceName = "*se2d1"
            ds.InPlanePhaseEncodingDirection = "COL"
    return headers


def disk(value: float, background: float = 0.0) -> np.ndarray:
    """A centred disk of one value on a background, noise-free."""
    y, x = np.ogrid[:ROWS, :COLUMNS]
    inside = (y - ROWS / 2) ** 2 + (x - COLUMNS / 2) ** 2 <= RADIUS**2
    return np.where(inside, value, background).astype(np.float64)


def magnitude_with_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """What an MR magnitude image is: |signal + complex Gaussian noise| (Rayleigh in the air)."""
    real = image + rng.normal(0, sigma, image.shape)
    imaginary = rng.normal(0, sigma, image.shape)
    return np.hypot(real, imaginary)


def set_pixels(ds: Dataset, values: np.ndarray) -> None:
    """Store modality values (HU for CT, after the synthetic intercept) as 16-bit unsigned pixels."""
    stored = values - (CT_INTERCEPT if ds.Modality == "CT" else 0)
    ds.PixelData = np.clip(np.rint(stored), 0, 65535).astype(np.uint16).tobytes()


def write(headers: list[Dataset], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for ds in headers:
        ds.save_as(folder / f"{ds.SOPInstanceUID}.dcm", enforce_file_format=True)


PROTOCOL = """
[protocol]
name = "NET-CHEST-BRAIN"
version = "1.2"

[[series]]
name = "CT chest"
required = true
match = { modality = "CT", series_description = "(?i)chest" }
geometry = {}
image = { min_snr = 20, max_ct_water_error_hu = 200, max_ct_air_error_hu = 50 }

[series.attributes]
SliceThickness = { min = 2.0, max = 3.0 }
KVP = { one_of = [100, 120] }
PixelSpacing = { max = 1.0 }
ConvolutionKernel = { present = true }
ContrastBolusAgent = { present = false }

[[series]]
name = "T1 brain"
required = true
match = { modality = "MR", series_description = "(?i)t1", sequence_name = "se2d" }
geometry = {}
image = { min_snr = 20 }

[series.attributes]
MagneticFieldStrength = { equals = 1.5 }
RepetitionTime = { min = 400, max = 700 }
EchoTime = { max = 20 }

[[series]]
name = "Scout"
required = false
match = { series_description = "(?i)scout|localiser" }

[[deviations]]
site = "RY2"
series = "CT chest"
attribute = "SliceThickness"
rule = { min = 2.0, max = 5.0 }
approval = { approved_by = "Trial imaging lead", approved_on = 2024-02-01, reference = "DEV-007" }
"""
