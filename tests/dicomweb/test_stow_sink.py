"""A STOW part sent without the Part 10 preamble and 'DICM' is stored with them, however it arrives."""

from __future__ import annotations

from pathlib import Path

import pytest

from imaging_hub.dicomweb.stow import Part10Sink

_META_START = b"\x02\x00\x00\x00UL\x04\x00" + bytes(200)  # (0002,0000) first: file meta without the preamble


class _MemorySpool:
    path = Path("part.dcm")

    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes | memoryview) -> int:
        self.written += data
        return len(data)

    def close(self) -> None:
        self.closed = True


def _sunk(body: bytes, chunk: int) -> bytes:
    spool = _MemorySpool()
    sink = Part10Sink(spool)
    for start in range(0, len(body), chunk):
        sink.write(memoryview(body)[start:start + chunk])
    sink.close()
    assert spool.closed
    return bytes(spool.written)


@pytest.mark.parametrize("chunk", [1, 7, 131, 132, 133, 4096])
def test_preamble_added_only_where_missing(chunk: int) -> None:
    with_preamble = bytes(128) + b"DICM" + _META_START
    assert _sunk(_META_START, chunk) == with_preamble
    assert _sunk(with_preamble, chunk) == with_preamble
    assert _sunk(b"\x02\x00short", chunk) == bytes(128) + b"DICM" + b"\x02\x00short"
    assert _sunk(b"not dicom", chunk) == b"not dicom"
