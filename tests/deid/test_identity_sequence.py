"""The IDs in Other Patient IDs Sequence are gathered from the sequence's bytes, leaving it raw (the profiles
remove it), and are the IDs pydicom's decoding gives, whatever the encoding."""

from __future__ import annotations

import io

import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from imaging_hub.deid.identity import PatientIdentity
from imaging_hub.dicom.part10 import read_part10, sequence_items

OTHER_IDS = 0x00101002


def _file(syntax: str, ids: list[str], *, undefined: bool = False, charset: str = "ISO_IR 100") -> bytes:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.SpecificCharacterSet = charset
    ds.PatientName, ds.PatientID = "SMITH^JOHN", "RX1234567"
    ds.OtherPatientIDsSequence = [Dataset() for _ in ids]
    for item, value in zip(ds.OtherPatientIDsSequence, ids, strict=True):
        item.PatientID, item.IssuerOfPatientID = value, "NHS"
    ds.OtherPatientIDsSequence.append(Dataset())  # an item without an ID
    ds["OtherPatientIDsSequence"].is_undefined_length = undefined
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
@pytest.mark.parametrize("undefined", [False, True])
def test_ids_are_those_decoding_gives_and_the_sequence_stays_raw(syntax: str, undefined: bool) -> None:
    data = _file(syntax, ["9434765919", "485 777 3456"], undefined=undefined)
    decoded = pydicom.dcmread(io.BytesIO(data))
    for item in decoded.OtherPatientIDsSequence:
        item.get("PatientID")
    read = read_part10(data)
    assert PatientIdentity.of(read) == PatientIdentity.of(decoded)
    assert {"9434765919", "485 777 3456"} <= set(PatientIdentity.of(read).identifiers)
    assert isinstance(read._dict[OTHER_IDS], RawDataElement) is (not undefined)  # defined lengths: not decoded


def test_an_id_that_is_not_plain_ascii_is_decoded_in_the_dataset_character_set() -> None:
    data = _file(ExplicitVRLittleEndian, ["MÜLLER-77"], charset="ISO_IR 100")
    assert "MÜLLER-77" in PatientIdentity.of(read_part10(data)).identifiers


def test_items_that_are_not_simple_are_left_to_pydicom() -> None:
    item = b"\xfe\xff\x00\xe0" + (0xFFFFFFFF).to_bytes(4, "little")  # an item of undefined length
    assert sequence_items(item + b"\xfe\xff\x0d\xe0\x00\x00\x00\x00", implicit=False) is None
    assert sequence_items(b"\xfe\xff\x00\xe0\x10\x00\x00\x00", implicit=False) is None  # cut short
    assert sequence_items(b"", implicit=True) == []
