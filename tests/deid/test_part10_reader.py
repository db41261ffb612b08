"""The common-case reader gives the dataset pydicom's reader gives, and leaves every other file to pydicom."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian

from imaging_hub.dicom.part10 import read_part10
from imaging_hub.dicom.part10.reader import parse_common

from .helpers import synthetic_study, to_bytes

COMMON = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtdose.dcm", "MR_small_implicit.dcm", "test-SR.dcm",
          "priv_SQ.dcm", "badVR.dcm", "no_meta_group_length.dcm", "empty_charset_LEI.dcm",
          "reportsi_with_empty_number_tags.dcm"]
OTHERS = ["MR_small_bigendian.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm", "image_dfl.dcm", "no_meta.dcm"]


def _same_elements(ours: Dataset, theirs: Dataset) -> None:
    assert list(ours._dict) == list(theirs._dict)
    for tag, elem in theirs._dict.items():
        mine = ours._dict[tag]
        assert type(mine) is type(elem), tag
        if isinstance(elem, RawDataElement):
            assert tuple(mine) == tuple(elem) and type(mine.VR) is type(elem.VR), tag
        else:
            assert (mine.VR, mine.value) == (elem.VR, elem.value), tag  # decoded while reading, as pydicom does


def _assert_as_pydicom_reads(data: bytes) -> None:
    ours, theirs = parse_common(data), pydicom.dcmread(io.BytesIO(data))
    assert ours is not None
    _same_elements(ours, theirs)
    _same_elements(ours.file_meta, theirs.file_meta)
    assert ours.preamble == theirs.preamble
    assert ours.original_encoding == theirs.original_encoding
    assert ours.original_character_set == theirs.original_character_set
    assert ours._character_set == theirs._character_set
    assert (ours.filename, ours.fileobj_type, ours.timestamp) == (theirs.filename, theirs.fileobj_type,
                                                                 theirs.timestamp)


@pytest.mark.parametrize("name", COMMON)
def test_bundled_files_read_as_pydicom_reads_them(name: str) -> None:
    path = get_testdata_file(name)
    assert path is not None
    _assert_as_pydicom_reads(Path(path).read_bytes())


def test_synthetic_instances_read_as_pydicom_reads_them() -> None:
    _, study = synthetic_study(instances=1)
    _assert_as_pydicom_reads(to_bytes(study[0]))
    study[0].file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    _assert_as_pydicom_reads(to_bytes(study[0]))


@pytest.mark.parametrize("name", OTHERS)
def test_other_files_are_left_to_pydicom(name: str) -> None:
    path = get_testdata_file(name)
    assert path is not None
    data = Path(path).read_bytes()
    assert parse_common(data) is None
    if data[128:132] == b"DICM":
        assert read_part10(data).SOPInstanceUID == pydicom.dcmread(io.BytesIO(data)).SOPInstanceUID


def test_damaged_files_are_left_to_pydicom() -> None:
    _, study = synthetic_study(instances=1)
    data = to_bytes(study[0])
    assert parse_common(data[:-3]) is None  # the last element cut short
    assert parse_common(data + b"\x00\x00") is None  # trailing bytes
    assert parse_common(b"\x00" * 128 + b"DICM") is None  # no file meta
    with pytest.raises(pydicom.errors.InvalidDicomError):
        read_part10(b"not dicom")
