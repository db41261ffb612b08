"""Synthetic but valid DICOM instances for demos, tests and benchmarks.

Identities are invented (names from a fixed list, NHS numbers in the 999 range that NHS England reserves
for testing, which still pass the modulus 11 check), so nothing here is a real person.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, CTImageStorage, ExplicitVRLittleEndian, MRImageStorage, generate_uid

from imaging_hub.nhs_number import nhs_number_check_digit

IMPLEMENTATION_CLASS_UID = UID("1.2.826.0.1.3680043.10.1452.1")  # under the pydicom root, for our writer

_FAMILY = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "PATEL", "KHAN"]
_GIVEN = ["OLIVIA", "AMELIA", "ISLA", "NOAH", "OLIVER", "GEORGE", "MUHAMMAD", "ARTHUR", "FREYA", "AVA"]


def test_nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the 999 test range."""
    while True:
        stem = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_number_check_digit(stem)
        if check is not None:
            return stem + str(check)


@dataclass(frozen=True)
class SyntheticPatient:
    patient_id: str
    nhs_number: str
    name: str  # DICOM PN, FAMILY^GIVEN
    birth_date: str  # DA
    sex: str

    @classmethod
    def make(cls, rng: random.Random, site_prefix: str = "RX1") -> SyntheticPatient:
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 60))
        return cls(
            patient_id=f"{site_prefix}{rng.randrange(10**6, 10**7)}",
            nhs_number=test_nhs_number(rng),
            name=f"{rng.choice(_FAMILY)}^{rng.choice(_GIVEN)}",
            birth_date=born.strftime("%Y%m%d"),
            sex=rng.choice("MF"),
        )


@dataclass
class StudySpec:
    """What one synthetic study looks like."""

    modality: str = "CT"
    series: int = 2
    instances_per_series: int = 5
    rows: int = 64
    columns: int = 64
    study_date: dt.date = field(default_factory=lambda: dt.date(2024, 3, 14))
    description: str = "CT CHEST WITH CONTRAST"
    institution: str = "ROYAL EXAMPLE HOSPITAL"
    manufacturer: str = "ACME Medical"
    model: str = "Scanner 3000"
    station: str = "CT01"


def make_study(
    patient: SyntheticPatient, spec: StudySpec | None = None, *, seed: int = 0
) -> Iterator[Dataset]:
    """Yield the instances of one study, each a complete Part 10 dataset (file meta included)."""
    spec = spec or StudySpec()
    rng = np.random.default_rng(seed)
    study_uid = generate_uid()
    accession = f"ACC{seed:08d}"
    for series_number in range(1, spec.series + 1):
        series_uid = generate_uid()
        frame_of_reference = generate_uid()
        for instance_number in range(1, spec.instances_per_series + 1):
            yield _instance(
                patient, spec, rng, study_uid, series_uid, frame_of_reference,
                accession, series_number, instance_number,
            )


def _instance(
    patient: SyntheticPatient, spec: StudySpec, rng: np.random.Generator, study_uid: str,
    series_uid: str, frame_of_reference: str, accession: str, series_number: int, instance_number: int,
) -> Dataset:
    sop_class = MRImageStorage if spec.modality == "MR" else CTImageStorage
    sop_uid = generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID

    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    date = spec.study_date.strftime("%Y%m%d")
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = date
    ds.StudyTime = "101500"
    ds.SeriesTime = f"10{15 + series_number:02d}00"
    ds.AcquisitionTime = ds.ContentTime = f"10{15 + series_number:02d}{instance_number % 60:02d}"
    ds.AccessionNumber = accession
    ds.Modality = spec.modality
    ds.Manufacturer = spec.manufacturer
    ds.InstitutionName = spec.institution
    ds.ReferringPhysicianName = "WHO^DOCTOR"
    ds.StationName = spec.station
    ds.StudyDescription = spec.description
    ds.SeriesDescription = f"{spec.description} SERIES {series_number}"
    ds.ManufacturerModelName = spec.model
    ds.PatientName = patient.name
    ds.PatientID = patient.patient_id
    ds.PatientBirthDate = patient.birth_date
    ds.PatientSex = patient.sex
    ds.OtherPatientIDsSequence = [_other_id(patient.nhs_number)]
    ds.BodyPartExamined = "CHEST"
    ds.SliceThickness = "2.5"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance_number
    ds.ImagePositionPatient = [0.0, 0.0, float(instance_number) * 2.5]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.FrameOfReferenceUID = frame_of_reference
    ds.PositionReferenceIndicator = ""
    ds.SliceLocation = float(instance_number) * 2.5
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = spec.rows
    ds.Columns = spec.columns
    ds.PixelSpacing = [0.7, 0.7]
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    if spec.modality == "CT":
        ds.KVP = "120"
        ds.RescaleIntercept = "-1024"
        ds.RescaleSlope = "1"
        ds.RescaleType = "HU"
        ds.WindowCenter = "40"
        ds.WindowWidth = "400"
    else:
        ds.ScanningSequence = "SE"
        ds.SequenceVariant = "NONE"
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.EchoTime = "10"
        ds.RepetitionTime = "500"
        ds.MagneticFieldStrength = "1.5"
        ds.WindowCenter = "600"
        ds.WindowWidth = "1200"
    pixels = _phantom(spec.rows, spec.columns, instance_number, rng)
    ds.PixelData = pixels.tobytes()
    return ds


def _other_id(nhs_number: str) -> Dataset:
    item = Dataset()
    item.PatientID = nhs_number
    item.IssuerOfPatientID = "NHS"
    item.TypeOfPatientID = "TEXT"
    return item


def _phantom(rows: int, columns: int, slice_index: int, rng: np.random.Generator) -> np.ndarray:
    """A body-like ellipse with a lesion that moves through the slices, plus noise; 12-bit unsigned."""
    y, x = np.ogrid[:rows, :columns]
    cy, cx = rows / 2, columns / 2
    body = ((x - cx) / (columns * 0.42)) ** 2 + ((y - cy) / (rows * 0.35)) ** 2 <= 1
    lesion = (x - cx * (0.8 + 0.04 * slice_index)) ** 2 + (y - cy) ** 2 <= (min(rows, columns) * 0.06) ** 2
    image = np.full((rows, columns), 24, dtype=np.float64)  # air, about -1000 HU
    image[body] = 1064  # soft tissue, about +40 HU
    image[lesion & body] = 1200
    image += rng.normal(0, 12, size=(rows, columns))
    return np.clip(image, 0, 4095).astype(np.uint16)


def make_network_sample(
    sites: int = 3, patients_per_site: int = 4, studies_per_patient: int = 1,
    spec: StudySpec | None = None, seed: int = 1452,
) -> Iterator[tuple[str, SyntheticPatient, Dataset]]:
    """Yield (site code, patient, instance) for a small network: each site's patients and studies."""
    rng = random.Random(seed)
    site_codes = ["RX1", "RY2", "RZ3", "RA4", "RB5", "RC6"][:sites]
    counter = 0
    for site in site_codes:
        for _ in range(patients_per_site):
            patient = SyntheticPatient.make(rng, site_prefix=site)
            for study_index in range(studies_per_patient):
                modality = rng.choice(["CT", "MR"])
                study_spec = replace(
                    spec or StudySpec(),
                    modality=modality,
                    description="CT CHEST WITH CONTRAST" if modality == "CT" else "MR BRAIN",
                    study_date=dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(600) + study_index),
                )
                counter += 1
                for ds in make_study(patient, study_spec, seed=counter):
                    yield site, patient, ds
