"""Refused input: a clear reason, and nothing of it kept (no rows, no blobs, no temp files)."""

from __future__ import annotations

import io
import os
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from store_samples import make_datasets, part10

from imaging_hub.store import Archive, InvalidInstance
from imaging_hub.store.structure import check_structure

_FUZZ = settings(
    max_examples=int(os.environ.get("STORE_FUZZ_EXAMPLES", "60")),  # raise it for a longer local fuzz run
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_SAMPLE = part10(make_datasets(11, instances=1)[0])


def _nothing_kept(archive: Archive) -> None:
    assert archive.count_instances() == 0
    for folder in ("tmp", "blobs", "conflicts"):
        assert [p for p in (archive.data_dir / folder).rglob("*") if p.is_file()] == []


def _refused(archive: Archive, data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInstance, match=reason):
        archive.store_bytes(data)
    with pytest.raises(InvalidInstance, match=reason):
        archive.store_stream(io.BytesIO(data))
    _nothing_kept(archive)


def test_garbage_and_empty_input(archive: Archive) -> None:
    _refused(archive, b"", "no file meta")
    _refused(archive, b"this is not dicom at all" * 20, "no file meta")


def test_dataset_without_preamble_or_file_meta(archive: Archive) -> None:
    _refused(archive, _SAMPLE[132:], "no file meta")
    no_meta = _SAMPLE[:132] + _SAMPLE[_meta_end(_SAMPLE):]
    _refused(archive, no_meta, "no file meta")


def test_truncated_pixel_data(archive: Archive) -> None:
    _refused(archive, _SAMPLE[:-1], r"truncated: element \(7FE0,0010\)")


def test_an_image_cut_at_any_element_boundary_is_named_truncated(archive: Archive) -> None:
    """A cut between two elements parses; whatever it lost (a UID too), the reason given is the cut."""
    (ds,) = make_datasets(14, instances=1)
    tags = [element.tag for element in ds if 0x00080016 < element.tag < 0x7FE00010]
    for tag in tags:
        kept = Dataset()
        kept.file_meta = ds.file_meta
        for element in ds:
            if element.tag < tag:
                kept.add(element)
        _refused(archive, part10(kept), "truncated: an image instance without pixel data")


@pytest.mark.parametrize("keyword", ["SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"])
def test_missing_uid(archive: Archive, keyword: str) -> None:
    (ds,) = make_datasets(12, instances=1)
    delattr(ds, keyword)
    _refused(archive, part10(ds), f"missing {keyword}")


@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")
@pytest.mark.parametrize("keyword", ["SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID"])
def test_invalid_uid(archive: Archive, keyword: str) -> None:
    (ds,) = make_datasets(13, instances=1)
    setattr(ds, keyword, "1.2.03.x")
    _refused(archive, part10(ds), f"invalid {keyword}")


def test_sop_instance_uid_must_agree_with_file_meta(archive: Archive) -> None:
    (ds,) = make_datasets(14, instances=1)
    data = part10(ds)
    uid = ds.SOPInstanceUID.encode()
    other = uid[:-1] + (b"1" if uid[-1:] != b"1" else b"2")
    at = data.index(uid)  # the first occurrence is in the file meta
    assert at < check_structure(data).dataset_offset
    _refused(archive, data[:at] + other + data[at + len(uid):], "MediaStorageSOPInstanceUID")


def test_refused_input_leaves_the_service_usable(archive: Archive) -> None:
    _refused(archive, _SAMPLE[:-10], "truncated")
    assert archive.store_bytes(_SAMPLE).instance.size == len(_SAMPLE)


def test_deflated_transfer_syntax_is_checked_after_inflating(tmp_path: Path) -> None:
    (ds,) = make_datasets(15, instances=1)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"
    data = part10(ds)
    meta = check_structure(data)
    assert meta.transfer_syntax_uid == "1.2.840.10008.1.2.1.99"
    with Archive.open(tmp_path / "data") as archive:
        assert archive.store_bytes(data).instance.transfer_syntax_uid == "1.2.840.10008.1.2.1.99"
        body = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[meta.dataset_offset:])
        short = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        cut = short.compress(body[:-5]) + short.flush()
        with pytest.raises(InvalidInstance, match="truncated"):
            archive.store_bytes(data[:meta.dataset_offset] + cut)


def test_encapsulated_pixel_data_fragments_are_checked(tmp_path: Path) -> None:
    (ds,) = make_datasets(16, instances=1)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.70"  # JPEG lossless: stored as received, not decoded
    ds.PixelData = encapsulate([b"\xff\xd8" + b"\x00" * 62 + b"\xff\xd9"])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    data = part10(ds)
    with Archive.open(tmp_path / "data") as archive:
        assert archive.store_bytes(data).instance.path.read_bytes() == data
        for cut in (4, 8, 40):  # inside the sequence delimiter, the fragment header, the fragment
            with pytest.raises(InvalidInstance, match="truncated"):
                archive.store_bytes(data[:-cut])
        assert archive.count_instances() == 1


def test_undefined_length_sequence_without_delimiter_is_truncated() -> None:
    (ds,) = make_datasets(17, instances=1)
    del ds.PixelData
    item = Dataset()
    item.CodeValue = "X"
    ds.ProcedureCodeSequence = [item]
    ds["ProcedureCodeSequence"].is_undefined_length = True
    data = part10(ds)
    check_structure(data)
    position = data.rindex(b"\xfe\xff\xdd\xe0")  # the sequence delimitation item, last in the file?
    assert position == len(data) - 8 or b"\xfe\xff\xdd\xe0" in data
    with pytest.raises(InvalidInstance, match="truncated"):
        check_structure(data[:position])


@_FUZZ
@given(cut=st.integers(min_value=0, max_value=len(_SAMPLE) - 1))
def test_every_truncation_is_refused(archive: Archive, cut: int) -> None:
    with pytest.raises(InvalidInstance):
        archive.store_bytes(_SAMPLE[:cut])
    _nothing_kept(archive)


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom warns about the corrupted values it reads
@_FUZZ
@given(data=st.data())
def test_corrupted_bytes_are_stored_or_refused_never_half_kept(archive: Archive, data: st.DataObject) -> None:
    buffer = bytearray(_SAMPLE)
    for _ in range(data.draw(st.integers(1, 6))):
        buffer[data.draw(st.integers(0, len(buffer) - 1))] = data.draw(st.integers(0, 255))
    try:
        outcome = archive.store_bytes(bytes(buffer))
    except InvalidInstance as exc:
        assert str(exc).split(":")[0] in {"no file meta", "unparsable", "truncated"} or "UID" in str(exc)
        return
    # Accepted: it is indexed and its file is exactly what was sent; clean up for the next example.
    assert outcome.instance.path.read_bytes() == bytes(buffer) or outcome.status.value != "stored"
    archive.delete(outcome.instance.study_instance_uid)
    _nothing_kept(archive)


def _meta_end(data: bytes) -> int:
    return check_structure(data).dataset_offset
