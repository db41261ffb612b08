"""Label objects for the governed hub's tests: SEGs and SRs of a stored study, made as the viewer makes them (no
Clinical Trial attributes) or naming a project, and a STOW-RS body carrying them."""

from __future__ import annotations

import io
import warnings

import numpy as np
from pydicom import Dataset, dcmread, dcmwrite

from imaging_hub.governance import LABEL_SOP_CLASSES
from imaging_hub.labelling import Labels, LabelSchema, make_report, make_segmentation, parse_schema
from imaging_hub.store import Archive

BOUNDARY = "labelboundary"
STOW_HEADERS = {"Content-Type": f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'}
TRIAL = (
    "ClinicalTrialSponsorName",
    "ClinicalTrialProtocolID",
    "ClinicalTrialProtocolName",
    "ClinicalTrialSiteID",
    "ClinicalTrialSiteName",
    "ClinicalTrialSubjectID",
    "ClinicalTrialSubjectReadingID",
)


def schema() -> LabelSchema:
    return parse_schema(
        {
            "questions": [{"name": "nodule", "text": "Lung nodule", "categories": ["absent", "present"]}],
            "segments": [{"label": "Nodule", "type": "Nodule"}],
        }
    )


def stored_images(archive: Archive, study_uid: str) -> list[Dataset]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            dcmread(held.path) for held in archive.instances(study_uid) if held.sop_class_uid not in LABEL_SOP_CLASSES
        ]


def seg_of(images: list[Dataset], reader: str, *, project: str | None = None) -> Dataset:
    """A one-segment SEG of the images; ``project``: None drops every Clinical Trial attribute (as OHIF's
    writer does), else it names that project."""
    mask = np.zeros((len(images), int(images[0].Rows), int(images[0].Columns)), bool)
    mask[:, 2:8, 2:8] = True
    seg = make_segmentation(images, {"Nodule": mask}, schema(), reader)
    return _named(seg, project)


def report_of(images: list[Dataset], reader: str, *, project: str | None = None) -> Dataset:
    return _named(make_report(images, Labels({"nodule": "present"}), schema(), reader, task_name="t"), project)


def _named(ds: Dataset, project: str | None) -> Dataset:
    for keyword in TRIAL:
        if keyword in ds:
            del ds[keyword]
    if project is not None:
        ds.ClinicalTrialSponsorName = "Network"
        ds.ClinicalTrialProtocolID = project
    return ds


def part10(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def stow_body(*datasets: Dataset | bytes) -> bytes:
    body = b""
    for ds in datasets:
        blob = ds if isinstance(ds, bytes) else part10(ds)
        body += f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + blob + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()
