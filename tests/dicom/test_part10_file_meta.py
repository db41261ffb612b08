"""The Part 10 codec's file meta: encoded as pydicom writes it, read back, and bad headers named."""

from __future__ import annotations

import pytest
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION

from imaging_hub.dicom.part10 import (
    PREAMBLE,
    Part10Error,
    encode_file_meta,
    new_file_meta,
    part10_header,
    read_file_meta,
)

CT = UID("1.2.840.10008.5.1.4.1.1.2")
INSTANCE = UID("1.2.826.0.1.3680043.8.498.123")  # odd length: padded with a NUL


def _pydicom_meta(meta: object) -> bytes:
    out = DicomBytesIO()
    out.is_little_endian, out.is_implicit_VR = True, False
    write_file_meta_info(out, meta, enforce_standard=True)  # type: ignore[arg-type]
    return bytes(out.getvalue())


def test_the_header_from_uids_is_what_pydicom_writes_for_the_same_meta() -> None:
    meta = new_file_meta(CT, INSTANCE, ImplicitVRLittleEndian, PYNETDICOM_IMPLEMENTATION_VERSION)
    meta.ImplementationClassUID = PYNETDICOM_IMPLEMENTATION_UID
    header = part10_header(CT, INSTANCE, ImplicitVRLittleEndian,
                           implementation_class_uid=str(PYNETDICOM_IMPLEMENTATION_UID),
                           implementation_version_name=PYNETDICOM_IMPLEMENTATION_VERSION)
    assert header == PREAMBLE + _pydicom_meta(meta)


def test_a_meta_dataset_is_encoded_as_pydicom_writes_it_and_reads_back() -> None:
    meta = new_file_meta(CT, INSTANCE, ExplicitVRLittleEndian, "IMAGING_HUB_1")
    encoded = encode_file_meta(meta)
    assert encoded == _pydicom_meta(meta)
    assert meta.ImplementationClassUID == PYDICOM_IMPLEMENTATION_UID
    read = read_file_meta(PREAMBLE + encoded + b"\x08\x00\x16\x00UI\x00\x00")
    assert (read.transfer_syntax_uid, read.media_sop_instance_uid) == (ExplicitVRLittleEndian, INSTANCE)
    assert read.dataset_offset == len(PREAMBLE) + len(encoded)
    assert not read.implicit_vr and read.little_endian


@pytest.mark.parametrize(("cut", "message"), [
    (lambda f: f[:100], "no file meta: not a DICOM Part 10 file"),
    (lambda f: b"\x00" * 128 + b"DIXM" + f[132:], "no file meta: not a DICOM Part 10 file"),
    (lambda f: f[:156], "truncated: element (0002,0001) declares 2 bytes but only 0 remain"),
    (lambda f: f[:132], "no file meta: TransferSyntaxUID (0002,0010) is missing"),
    (lambda f: f[:144] + b"\x02\x00\x02\x00u1" + f[150:], "unparsable: element (0002,0002) has no valid VR"),
])
def test_a_bad_file_meta_is_named(cut: object, message: str) -> None:
    whole = part10_header(CT, INSTANCE, ImplicitVRLittleEndian, implementation_class_uid="1.2.3",
                          implementation_version_name="X")
    with pytest.raises(Part10Error, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_file_meta(cut(whole))  # type: ignore[operator]
