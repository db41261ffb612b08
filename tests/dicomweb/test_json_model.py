"""Annex F encoding: round trip through pydicom's decoder, value types, bulk data URIs."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset

from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.dicomweb.json_model import bulk_path, dataset_to_json, parse_bulk_path


def _instance() -> Dataset:
    return next(make_study(SyntheticPatient.make(random.Random(3)), StudySpec(rows=8, columns=8)))


def test_round_trip_through_pydicom_decoder() -> None:
    ds = _instance()
    encoded = dataset_to_json(ds)
    decoded = Dataset.from_json(encoded)
    for keyword in ("PatientName", "StudyInstanceUID", "ImageType", "WindowCenter", "Rows", "SeriesNumber"):
        assert decoded[keyword].value == ds[keyword].value, keyword
    assert decoded.OtherPatientIDsSequence[0].IssuerOfPatientID == "NHS"
    assert decoded.PixelData == ds.PixelData  # inline when no bulk URI maker


def test_value_representations() -> None:
    ds = Dataset()
    ds.PatientName = "DOE^JANE=ドウ^ジェーン"
    ds.SliceThickness = "2.5"
    ds.InstanceNumber = "7"
    ds.Rows = 4
    ds.FrameIncrementPointer = 0x00181063
    ds.PositionReferenceIndicator = ""
    ds.ReferencedImageSequence = []
    encoded = dataset_to_json(ds)
    assert encoded["00100010"]["Value"] == [{"Alphabetic": "DOE^JANE", "Ideographic": "ドウ^ジェーン"}]
    assert encoded["00180050"]["Value"] == [2.5]
    assert encoded["00200013"]["Value"] == [7]
    assert encoded["00280010"] == {"vr": "US", "Value": [4]}
    assert encoded["00280009"]["Value"] == ["00181063"]
    assert encoded["00201040"] == {"vr": "LO"}
    assert encoded["00081140"] == {"vr": "SQ"}


def test_large_binaries_become_bulk_data_uris_small_ones_inline() -> None:
    ds = _instance()
    ds.add_new(0x00091010, "OB", b"\x01\x02")
    ds.add_new(0x00090010, "LO", "ACME")
    encoded = dataset_to_json(ds, lambda path: "bulk/" + bulk_path(path), threshold=64)
    assert encoded["7FE00010"] == {"vr": "OW", "BulkDataURI": "bulk/7FE00010"}
    assert base64.b64decode(encoded["00091010"]["InlineBinary"]) == b"\x01\x02"


def test_deferred_values_are_not_read(tmp_path: Path) -> None:
    path = tmp_path / "i.dcm"
    next(make_study(SyntheticPatient.make(random.Random(3)), StudySpec(rows=32, columns=32))).save_as(
        path, enforce_file_format=True)
    ds = dcmread(path, defer_size=1024)
    path.unlink()  # any read of a deferred value would now fail
    encoded = dataset_to_json(ds, lambda p: "u/" + bulk_path(p), threshold=1024)
    assert encoded["7FE00010"]["BulkDataURI"] == "u/7FE00010"


def test_nested_bulk_path_round_trip() -> None:
    path = (0x00540016, 2, 0x00181072)
    assert bulk_path(path) == "00540016/2/00181072"
    assert parse_bulk_path("00540016/2/00181072") == path


@pytest.mark.parametrize("bad", ["", "7FE0001", "00540016/x/00181072", "00540016/1", "ZZZZZZZZ"])
def test_bad_bulk_paths_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_bulk_path(bad)
