"""A SEG and an SR made by the labelling flow: valid for dciodvfy, archived through the ingest path and STOW,
retrieved through WADO byte for byte, and referencing the source series' instances."""

from __future__ import annotations

import subprocess
from pathlib import Path

import highdicom as hd
import httpx
import numpy as np
import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset

from api.hub import RunningHub, hub, start_hub, study
from imaging_hub.dicomweb.media import parse_media_type
from imaging_hub.dicomweb.multipart import MultipartReader
from imaging_hub.labelling import (
    LabellingError,
    Labels,
    carry_project,
    make_report,
    make_segmentation,
    part10,
    segment_mask,
    store_label,
)

from .conftest import ALICE, schema

__all__ = ["hub", "start_hub"]
ALL_SYNTAXES = 'multipart/related; type="application/dicom"; transfer-syntax=*'


def _dciodvfy_errors(path: Path) -> list[str]:
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]


def _retrieve(hub: RunningHub, ds: Dataset, spool: Path) -> bytes:
    url = f"{hub.url}/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/" \
          f"{ds.SOPInstanceUID}"
    response = httpx.get(url, headers={"Accept": ALL_SYNTAXES})
    assert response.status_code == 200
    reader = MultipartReader(parse_media_type(response.headers["content-type"]).params["boundary"], spool)
    reader.feed(response.content)
    [part] = reader.finish()
    return part.path.read_bytes()


def _stow(hub: RunningHub, data: bytes) -> None:
    body = b"--XyZ\r\nContent-Type: application/dicom\r\n\r\n" + data + b"\r\n--XyZ--\r\n"
    response = httpx.post(f"{hub.url}/dicom-web/studies", content=body,
                          headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=XyZ'})
    assert response.status_code == 200, response.text


def _source(hub: RunningHub) -> list[Dataset]:
    images = [ds for ds in study(7, series=1, per_series=4, project="PROJ1", rows=24)]
    for ds in images:  # the Clinical Trial Subject module a spoke's de-identification writes
        ds.ClinicalTrialSponsorName = "Example sponsor"
        ds.ClinicalTrialProtocolName = "Example protocol"
        ds.ClinicalTrialSiteID, ds.ClinicalTrialSiteName = "RXA", "Example trust"
        ds.ClinicalTrialSubjectID = "P0001"
    hub.client.store_instances(images)
    return images


def test_a_segmentation_is_valid_archived_and_references_its_source(hub: RunningHub, tmp_path: Path) -> None:
    images = _source(hub)
    mask = np.zeros((4, 24, 24), bool)
    mask[1:3, 8:16, 8:16] = True
    seg = make_segmentation(images, {"Nodule": mask}, schema(), ALICE.name)
    carry_project(seg, images[0])
    path = tmp_path / "seg.dcm"
    path.write_bytes(part10(seg))
    assert _dciodvfy_errors(path) == []
    uid = store_label(hub.archive, seg)  # the ingest path, as the room's callers use it
    assert _retrieve(hub, seg, tmp_path) == path.read_bytes()
    stored = hub.archive.get(uid)
    assert stored is not None and stored.clinical_trial_protocol_id == "PROJ1"
    back = dcmread(path)
    referenced = {item.ReferencedSOPInstanceUID for item in back.ReferencedSeriesSequence[0].ReferencedInstanceSequence}
    assert back.ReferencedSeriesSequence[0].SeriesInstanceUID == images[0].SeriesInstanceUID
    assert referenced == {str(ds.SOPInstanceUID) for ds in images}
    assert np.array_equal(segment_mask(back, images, "Nodule"), mask.astype(np.uint8))
    code = back.SegmentSequence[0].SegmentedPropertyTypeCodeSequence[0]
    assert (code.CodingSchemeDesignator, code.CodeValue) == ("SCT", "27925004")


def test_a_fractional_segmentation_is_valid(tmp_path: Path) -> None:
    images = study(8, series=1, per_series=3, rows=16)
    probability = np.zeros((3, 16, 16), np.float32)
    probability[1, 4:10, 4:10] = 0.75
    seg = make_segmentation(images, {"Nodule": probability}, schema(), ALICE.name, fractional=True)
    path = tmp_path / "fractional.dcm"
    path.write_bytes(part10(seg))
    assert seg.SegmentationType == "FRACTIONAL" and _dciodvfy_errors(path) == []
    with pytest.raises(LabellingError, match=r"0\.\.1"):
        make_segmentation(images, {"Nodule": probability * 2}, schema(), ALICE.name, fractional=True)
    with pytest.raises(LabellingError, match="shape"):
        make_segmentation(images, {"Nodule": probability[:2] > 0}, schema(), ALICE.name)


def test_a_report_is_valid_stowed_and_carries_the_read(hub: RunningHub, tmp_path: Path) -> None:
    images = _source(hub)
    sr = make_report(images, Labels({"nodule": "present"}, {"diameter": 7.5}), schema(), ALICE.name,
                     task_name="Nodules")
    carry_project(sr, images[0])
    data = part10(sr)
    path = tmp_path / "sr.dcm"
    path.write_bytes(data)
    assert _dciodvfy_errors(path) == []
    _stow(hub, data)
    assert _retrieve(hub, sr, tmp_path) == data
    report = hd.sr.Comprehensive3DSR.from_dataset(dcmread(path))
    evidence = {item.ReferencedSOPInstanceUID for series in report.CurrentRequestedProcedureEvidenceSequence
                for s in series.ReferencedSeriesSequence for item in s.ReferencedSOPSequence}
    assert evidence == {str(ds.SOPInstanceUID) for ds in images}
    content = report.content
    assert isinstance(content, hd.sr.MeasurementReport)
    [group] = content.get_image_measurement_groups()
    evaluation = group.get_qualitative_evaluations()[0]
    assert (evaluation.name.value, evaluation.value.value) == ("nodule", "present")
    assert group.get_measurements()[0].value == pytest.approx(7.5)
    [observer] = content.get_observer_contexts()
    assert observer.observer_type == hd.sr.CodedConcept("121006", "DCM", "Person")
    assert str(observer.observer_identifying_attributes[0].value) == f"{ALICE.name}^"
