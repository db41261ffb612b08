"""The fast path: datasets parsed from bytes keep untouched elements raw and are written by encode_part10.
The same identities as the property tests never survive it, its output is what pydicom's writer gives,
and attributes encoded as UN are judged by their real VR."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement, convert_raw_data_element
from pydicom.dataset import Dataset, validate_file_meta
from pydicom.multival import MultiValue
from pydicom.tag import Tag
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID

from imaging_hub.deid import Deidentifier, Profile, ProjectKey
from imaging_hub.deid.batch import deidentify_file
from imaging_hub.deid.raw_values import peek, put_text
from imaging_hub.dicom.part10 import encode_part10, encode_part10_buffers, read_part10

from .helpers import add_private_block, synthetic_study, to_bytes
from .test_properties import DEIDS, TEXT_ATTRIBUTES, _forms, _patient, _survivors, identities
from .test_pydicom_files import DCIODVFY_FILES, _errors, _path


def _through_bytes(ds: Dataset, profile: str) -> bytes:
    """Serialise, parse back (every element raw), de-identify and encode as the CLI does."""
    parsed = read_part10(to_bytes(ds))
    return encode_part10(DEIDS[profile].deidentify(parsed).dataset)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(who=identities(), data=st.data(), profile=st.sampled_from(["basic", "research"]))
def test_raw_text_with_planted_identity_is_cleaned(who: dict[str, str], data: st.DataObject, profile: str) -> None:
    _, study = synthetic_study(instances=1)
    ds = study[0]
    _patient(ds, who)
    forms = _forms(who)
    for keyword in data.draw(st.lists(st.sampled_from(TEXT_ATTRIBUTES), min_size=1, max_size=6, unique=True)):
        form = data.draw(st.sampled_from(forms))
        setattr(ds, keyword, f"seen {form} today"[:16] if keyword in ("StationName", "ConvolutionKernel",
                                                                     "ReceiveCoilName") else f"note: {form} ok")
    out = _through_bytes(ds, profile)
    assert _survivors(out, who) == []
    assert who["dob"].encode() not in out


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(who=identities(), depth=st.integers(1, 3), profile=st.sampled_from(["basic", "research"]))
def test_raw_sequences_and_private_blocks_are_cleaned(who: dict[str, str], depth: int, profile: str) -> None:
    _, study = synthetic_study(instances=1)
    ds = study[0]
    _patient(ds, who)
    item = Dataset()
    item.TextValue = f"{who['given']} {who['family']} NHS {who['nhs']}"
    item.PatientID = who["id"]
    for _ in range(depth):
        parent = Dataset()
        parent.ContentSequence = [item]
        item = parent
    ds.AcquisitionContextSequence = [item]
    add_private_block(ds, 0x0019, "GEMS_ACQU_01", {0x03: ("LO", who["family"]), 0x10: ("LT", f"id {who['id']}")})
    out = _through_bytes(ds, profile)
    assert _survivors(out, who) == []


def test_multi_valued_raw_text_is_cleaned_per_value() -> None:
    patient, study = synthetic_study(instances=1)
    ds = study[0]
    family = patient.name.split("^")[0]
    ds.ImageComments = f"first\\second {family}\\third"  # LT has one value: backslash is text here
    ds.AdmittingDiagnosesDescription = ["calm", f"{family} again", "quiet"]
    out = pydicom.dcmread(io.BytesIO(_through_bytes(ds, "research")))
    assert family.encode().upper() not in to_bytes(out).upper()
    assert list(out.AdmittingDiagnosesDescription) == ["calm", "* again", "quiet"]


def test_non_ascii_raw_text_takes_the_decoding_path() -> None:
    patient, study = synthetic_study(instances=1)
    ds = study[0]
    ds.SpecificCharacterSet = "ISO_IR 100"
    family = patient.name.split("^")[0]
    ds.StudyDescription = f"Scanné {family} café"
    out = pydicom.dcmread(io.BytesIO(_through_bytes(ds, "research")))
    assert family.upper() not in str(out.StudyDescription).upper()
    assert "Scanné" in str(out.StudyDescription)


def test_encode_part10_matches_pydicom_writer(key: ProjectKey) -> None:
    deid = Deidentifier(Profile.builtin("research"), key, project_id="LUNG1", site_id="RX1")
    paths = [get_testdata_file(name) for name in ("CT_small.dcm", "MR_small_implicit.dcm", "rtplan.dcm",
                                                  "MR_small_RLE.dcm")]
    _, study = synthetic_study(instances=2)
    sources = [Path(p).read_bytes() for p in paths if p] + [to_bytes(ds) for ds in study]
    for data in sources:
        ours = deid.deidentify(read_part10(data)).dataset
        theirs = deid.deidentify(read_part10(data)).dataset
        buffer = io.BytesIO()
        theirs.save_as(buffer, enforce_file_format=True)
        assert encode_part10(ours) == buffer.getvalue()


def test_kept_elements_stay_raw_and_marks_read_back(key: ProjectKey) -> None:
    _, study = synthetic_study(instances=1)
    ds = read_part10(to_bytes(study[0]))
    out = Deidentifier(Profile.builtin("research"), key).deidentify(ds).dataset
    assert isinstance(out.get_item("Modality"), RawDataElement)  # kept unchanged, never decoded
    assert isinstance(out.get_item("DeidentificationMethodCodeSequence"), RawDataElement)
    codes = {item.CodeValue for item in out.DeidentificationMethodCodeSequence}  # decodes on demand
    assert "113100" in codes and "113107" in codes
    assert out.PatientIdentityRemoved == "YES"
    again = pydicom.dcmread(io.BytesIO(encode_part10(out)))
    assert {item.CodeValue for item in again.DeidentificationMethodCodeSequence} == codes


def test_standard_attribute_encoded_as_un_is_judged_by_its_real_vr(key: ProjectKey) -> None:
    patient, study = synthetic_study(instances=1)
    ds = study[0]
    family = patient.name.split("^")[0]
    ds.add_new(0x00081030, "UN", f"CT for {family} ".encode())  # StudyDescription sent as UN
    ds.add_new(0x00181030, "UN", f"{family} protocol".encode().ljust(16))  # ProtocolName
    out = encode_part10(Deidentifier(Profile.builtin("research"), key).deidentify(read_part10(to_bytes(ds))).dataset)
    assert family.upper().encode() not in out.upper()
    assert b"CT for *" in out


def test_peek_and_put_text_leave_in_memory_datasets_ordinary() -> None:
    ds = Dataset()
    put_text(ds, 0x00100020, "LO", ["ABC"])
    assert ds.PatientID == "ABC" and not ds.get_item("PatientID").is_raw
    assert peek(ds, 0x00100020) == "ABC" and peek(ds, 0x00100010, "none") == "none"


def test_cli_path_output_is_valid_and_named_by_new_uids(key: ProjectKey, tmp_path: Path) -> None:
    _, study = synthetic_study(instances=2)
    src = tmp_path / "in"
    src.mkdir()
    for i, ds in enumerate(study):
        (src / f"{i}.dcm").write_bytes(to_bytes(ds))
    (src / "notes.txt").write_text("not dicom")
    deid = Deidentifier(Profile.builtin("research"), key)
    results = [deidentify_file(deid, src, tmp_path / "out", path) for path in sorted(src.iterdir())]
    assert [r.status for r in results] == ["deidentified", "deidentified", "skipped"]
    for result in results[:2]:
        written = pydicom.dcmread(tmp_path / "out" / result.output)
        assert result.output.endswith(f"{written.SOPInstanceUID}.dcm")
        assert written.file_meta.MediaStorageSOPInstanceUID == written.SOPInstanceUID
        assert written.preamble == b"\x00" * 128


@pytest.mark.parametrize("name", ["MR_small_bigendian.dcm", "JPEG2000.dcm"])
def test_other_encodings_fall_back_to_pydicom(key: ProjectKey, name: str) -> None:
    path = get_testdata_file(name)
    assert path is not None
    data = Path(path).read_bytes()
    deid = Deidentifier(Profile.builtin("basic"), key)
    ours = deid.deidentify(read_part10(data)).dataset
    theirs = deid.deidentify(read_part10(data)).dataset
    buffer = io.BytesIO()
    theirs.save_as(buffer, enforce_file_format=True)
    assert encode_part10(ours) == buffer.getvalue()


@pytest.mark.parametrize("name", [*DCIODVFY_FILES, "rtdose_rle.dcm", "MR_small_implicit.dcm"])
def test_dciodvfy_reports_no_new_error_on_the_fast_path(research: Deidentifier, name: str, tmp_path: Path) -> None:
    source = Path(_path(name))
    output = tmp_path / "out.dcm"
    output.write_bytes(encode_part10(research.deidentify(read_part10(source.read_bytes())).dataset))
    assert _errors(output) - _errors(source) == set()


def test_dciodvfy_on_a_synthetic_instance_through_the_cli_path(research: Deidentifier, tmp_path: Path) -> None:
    _, study = synthetic_study(instances=1)
    source = tmp_path / "in" / "ct.dcm"
    source.parent.mkdir()
    source.write_bytes(to_bytes(study[0]))
    result = deidentify_file(research, source.parent, tmp_path / "out", source)
    assert result.status == "deidentified"
    assert _errors(tmp_path / "out" / result.output) - _errors(source) == set()


def test_each_action_is_counted_once_per_attribute(key: ProjectKey) -> None:
    _, study = synthetic_study(instances=1)
    outcome = Deidentifier(Profile.builtin("research"), key).deidentify(read_part10(to_bytes(study[0])))
    assert outcome.actions["SOPInstanceUID U"] == 1
    assert outcome.actions["StudyDate C"] == 1


def test_buffers_are_the_file_with_pixel_data_uncopied(research: Deidentifier) -> None:
    _, study = synthetic_study(instances=1)
    study[0].Rows = study[0].Columns = 256  # 128 KiB of pixels: passed on as read
    study[0].PixelData = bytes(256 * 256 * 2)
    data = to_bytes(study[0])
    ds = research.deidentify(read_part10(data)).dataset
    pixels = ds.get_item("PixelData").value
    buffers = encode_part10_buffers(ds)
    assert any(b is pixels for b in buffers)
    assert b"".join(buffers) == encode_part10(research.deidentify(read_part10(data)).dataset)


def _decoded_by_pydicom(ds: Dataset, tag: int) -> object:
    return convert_raw_data_element(ds.get_item(tag), encoding=ds._character_set, ds=ds).value


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtdose.dcm", "JPEG2000.dcm"])
def test_peek_gives_what_pydicom_decodes(name: str) -> None:
    ds = pydicom.dcmread(_path(name))
    for tag in [elem.tag for elem in ds.elements() if elem.is_raw]:
        expected, got = _decoded_by_pydicom(ds, tag), peek(ds, tag)
        assert type(got) is type(expected) and got == expected, Tag(tag)
        if isinstance(expected, MultiValue):
            assert [type(v) for v in got] == [type(v) for v in expected]
        assert ds.get_item(tag).is_raw  # peeking never decodes in place


def test_peek_strips_and_splits_each_string_vr_as_pydicom_does() -> None:
    ds = Dataset()
    for tag, vr, value in [
        (0x00080008, "CS", b"ORIGINAL \\PRIMARY \\"), (0x00081030, "LO", b"A \\B \\"), (0x00204000, "LT", b"x\\y "),
        (0x00080018, "UI", b"1.2.3\\1.2.4\x00"), (0x00080060, "CS", b"CT"), (0x00081010, "SH", b"  STN  "),
        (0x00101010, "AS", b"045Y"), (0x00080070, "LO", b"\x00\x00"),
    ]:
        ds._dict[Tag(tag)] = RawDataElement(Tag(tag), vr, len(value), value, 0, False, True)
    ds.set_original_encoding(False, True, "iso8859")
    for tag in list(ds.keys()):
        expected, got = _decoded_by_pydicom(ds, tag), peek(ds, tag)
        assert type(got) is type(expected) and got == expected, Tag(tag)
        if isinstance(expected, MultiValue):
            assert [type(v) for v in got] == [type(v) for v in expected]


def test_file_meta_is_what_pydicom_would_complete_it_to(research: Deidentifier) -> None:
    _, study = synthetic_study(instances=1)
    meta = research.deidentify(read_part10(to_bytes(study[0]))).dataset.file_meta
    made = {tag: (elem.VR, elem.value) for tag, elem in meta.items()}
    validate_file_meta(meta, enforce_standard=True)
    assert {tag: (elem.VR, elem.value) for tag, elem in meta.items()} == made
    assert meta.ImplementationClassUID == PYDICOM_IMPLEMENTATION_UID  # what every file written so far records


def test_remembered_encodings_follow_value_and_character_set() -> None:
    _, study = synthetic_study(instances=1)
    for charset, text in [("ISO_IR 100", "Größe"), ("ISO_IR 192", "Größe"), ("ISO_IR 100", "Größe"), ("", "CT")]:
        study[0].SpecificCharacterSet = charset
        study[0].SeriesDescription = text
        data = to_bytes(study[0])
        ours, theirs = read_part10(data), read_part10(data)
        assert ours.SeriesDescription == theirs.SeriesDescription == text  # decoded: pydicom's writer encodes it
        theirs.preamble = None
        buffer = io.BytesIO()
        theirs.save_as(buffer, enforce_file_format=True)
        assert encode_part10(ours) == buffer.getvalue()


@pytest.mark.parametrize("little", [True, False])
def test_peek_reads_unsigned_shorts_as_pydicom_does(little: bool) -> None:
    ds = Dataset()
    order = "little" if little else "big"
    for tag, value in [(0x00280010, (512).to_bytes(2, order)), (0x00280101, (12).to_bytes(2, order)),
                       (0x00280011, (1).to_bytes(2, order) + (2).to_bytes(2, order))]:  # two values
        ds._dict[Tag(tag)] = RawDataElement(Tag(tag), "US", len(value), value, 0, False, little)
    ds.set_original_encoding(False, little, "iso8859")
    for tag in list(ds.keys()):
        expected, got = _decoded_by_pydicom(ds, tag), peek(ds, tag)
        assert type(got) is type(expected) and got == expected, Tag(tag)
        assert ds.get_item(tag).is_raw
