"""multipart/related: encoder output parses back; the decoder copes with any chunking and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imaging_hub.dicomweb import (
    MultipartError,
    MultipartReader,
    OutgoingPart,
    boundary_of,
    content_type_header,
    encode,
    encoded_length,
    iter_parts,
    new_boundary,
)


def _decode(body: bytes, boundary: str, spool: Path, chunk: int) -> list[bytes]:
    reader = MultipartReader(boundary, spool)
    for start in range(0, len(body), chunk):
        reader.feed(body[start:start + chunk])
    return [p.path.read_bytes() for p in reader.finish() if p.path is not None]


def test_encode_streams_files_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    boundary = new_boundary()
    body = b"".join(encode([OutgoingPart("application/dicom", path=path, offset=2, length=5),
                            OutgoingPart("application/octet-stream", data=b"\r\n--x")], boundary))
    assert body.startswith(f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n23456\r\n".encode())
    assert body.endswith(f"--{boundary}--\r\n".encode())
    assert _decode(body, boundary, tmp_path, 3) == [b"23456", b"\r\n--x"]


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.binary(max_size=300), min_size=1, max_size=4), chunk=st.integers(1, 64))
def test_round_trip_any_chunking(tmp_path_factory: pytest.TempPathFactory, parts: list[bytes], chunk: int) -> None:
    spool = tmp_path_factory.mktemp("spool")
    boundary = new_boundary()
    body = b"preamble\r\n" + b"".join(encode([OutgoingPart("application/dicom", data=p) for p in parts], boundary))
    assert _decode(body, boundary, spool, chunk) == parts


def test_part_headers_are_parsed(tmp_path: Path) -> None:
    body = b"--b\r\nContent-Type: application/dicom\r\nContent-Location: x\r\n\r\nDATA\r\n--b--"
    reader = MultipartReader("b", tmp_path)
    reader.feed(body)
    (part,) = reader.finish()
    assert part.content_type == "application/dicom"
    assert part.headers["content-location"] == "x"
    assert part.size == 4


@pytest.mark.parametrize("body,message", [
    (b"--b\r\nContent-Type: application/dicom\r\n\r\nDATA", "closing boundary"),
    (b"no boundary at all", "before the first boundary"),
    (b"--b\r\nbroken header line\r\n\r\nDATA\r\n--b--", "malformed part header"),
    (b"--bXYZ\r\n\r\nDATA\r\n--b--", "unexpected characters"),
])
def test_malformed_bodies_name_the_problem(tmp_path: Path, body: bytes, message: str) -> None:
    reader = MultipartReader("b", tmp_path)
    with pytest.raises(MultipartError, match=message):
        reader.feed(body)
        reader.finish()
    reader.close()


@settings(max_examples=80, deadline=None)
@given(data=st.data(), chunk=st.integers(1, 200))
def test_near_delimiters_inside_parts_survive_any_chunking(tmp_path_factory: pytest.TempPathFactory,
                                                          data: st.DataObject, chunk: int) -> None:
    boundary = new_boundary()
    delimiter = f"\r\n--{boundary}".encode()
    pieces = st.sampled_from([delimiter[:n] for n in range(1, len(delimiter))] + [b"\r\n--", b"x" * 50])
    parts = data.draw(st.lists(st.lists(pieces, max_size=8).map(b"".join), min_size=1, max_size=4))
    body = b"".join(encode([OutgoingPart("application/dicom", data=p) for p in parts], boundary))
    assert _decode(body, boundary, tmp_path_factory.mktemp("spool"), chunk) == parts


def _dicom_files(tmp_path: Path) -> list[Path]:
    files = []
    for i in range(3):
        path = tmp_path / f"{i}.dcm"
        path.write_bytes(bytes([i]) * (1000 + i) + b"\r\n--not-the-boundary\r\n")
        files.append(path)
    return files


def test_parts_from_chunks_come_back_one_at_a_time(tmp_path: Path) -> None:
    files = _dicom_files(tmp_path)
    body = b"".join(encode([OutgoingPart("application/dicom", path=p) for p in files], "b0undary"))
    chunks = [body[i:i + 7] for i in range(0, len(body), 7)]  # awkward chunking
    assert list(iter_parts(chunks, "b0undary")) == [p.read_bytes() for p in files]
    read = iter_parts(iter([body[:1100], body[1100:]]), "b0undary")
    assert next(read) == files[0].read_bytes()  # before the rest of the body is fed
    with pytest.raises(MultipartError, match="truncated"):
        list(iter_parts([body[: len(body) // 2]], "b0undary"))
    with pytest.raises(MultipartError, match="truncated"):
        list(iter_parts([body[:-len("--b0undary--\r\n")]], "b0undary"))  # every part, no closing boundary


def test_the_boundary_is_read_from_a_content_type() -> None:
    assert boundary_of('multipart/related; type="application/dicom"; boundary="abc"') == "abc"
    assert boundary_of(content_type_header("application/dicom", "b0undary")) == "b0undary"
    with pytest.raises(MultipartError, match="no boundary"):
        boundary_of('multipart/related; type="application/dicom"')


def test_the_body_length_is_known_before_it_is_read(tmp_path: Path) -> None:
    files = []
    for i in range(4):
        path = tmp_path / f"{i}.dcm"
        path.write_bytes(bytes([i]) * (513 * i))  # the first one empty
        files.append(path)
    region = OutgoingPart("application/dicom", path=files[3], offset=100, length=50, headers={"X-A": "b"})
    for parts in ([OutgoingPart("application/dicom", path=p) for p in files], [region],
                  [OutgoingPart("application/octet-stream", data=b"xyz")], []):
        assert encoded_length(parts, "b0undary") == len(b"".join(encode(parts, "b0undary")))
