"""A spoke (no hub, no PACS) whose pipeline has held one instance for review: a secondary capture with a
line the text screen finds and OCR cannot read, so it carries a proposed mask. Shared by the review tests
here and the review page's browser test."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage

from imaging_hub.deid import ProjectKey
from imaging_hub.deid.burned_in_samples import FONT_DIR
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.spoke import ProjectSettings, SpokeSettings, connect, load_enrolment_file
from imaging_hub.spoke.intake.buffer import EVERYTHING, IntakeBuffer
from imaging_hub.spoke.runtime.workers import make_processor

PROJECT = "ECHO1"
PARTICIPANT = "E-001"
SIZE = 256
LINE_Y = 200  # where the unreadable line is drawn (glyphs OCR reads as nothing)


@dataclass
class HeldSpoke:
    settings: SpokeSettings
    patient: SyntheticPatient
    source: Dataset  # what the PACS sent

    @property
    def data(self) -> Path:
        return self.settings.data


def unreadable_line_image(patient: SyntheticPatient) -> Dataset:
    ds = next(
        make_study(
            patient,
            StudySpec(rows=SIZE, columns=SIZE, series=1, instances_per_series=1, study_date=dt.date(2024, 5, 1)),
            seed=7,
        )
    )
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Modality = "OT"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    for keyword in ("RescaleSlope", "RescaleIntercept", "WindowCenter", "WindowWidth"):
        if keyword in ds:
            delattr(ds, keyword)
    image = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(image).text(
        (10, LINE_Y),
        "\u25d0\u25d1\u25d2\u25d3\u25d0\u25d1\u25d2\u25d3",
        font=ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), 16),
        fill=255,
    )
    ds.PixelData = np.asarray(image).tobytes()
    return ds


def held_spoke(folder: Path) -> HeldSpoke:
    key_file = folder / "project.key"
    folder.mkdir(parents=True, exist_ok=True)
    ProjectKey.generate().save(key_file)
    settings = SpokeSettings(
        site_id="RX1",
        data=folder / "data",
        deid_workers=0,
        intake_fsync=False,
        projects=[
            ProjectSettings(id=PROJECT, profile="basic", key_file=key_file, opt_out="consent", opt_out_basis="test")
        ],
    )
    patient = SyntheticPatient.make(random.Random(folder.name), "RX1")
    enrol = folder / "enrol.csv"
    enrol.write_text(f"participant_id,local_patient_id\n{PARTICIPANT},{patient.patient_id}\n")
    conn = connect(settings.data)
    load_enrolment_file(conn, PROJECT, enrol)
    conn.close()
    source = unreadable_line_image(patient)
    out = io.BytesIO()
    source.save_as(out, enforce_file_format=True)
    IntakeBuffer(settings.data / "intake", fsync=False).put(out.getvalue())
    result = make_processor(settings, EVERYTHING).drain()
    assert (result.files, result.queued, result.quarantined) == (1, 0, 1)
    return HeldSpoke(settings, patient, source)
