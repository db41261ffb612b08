"""Where an instance's pixel data lies in its stored file, and reading single frames from there.

The header is parsed up to the pixel data element only; frames are then read straight from their byte
range (native) or their fragments (encapsulated), so serving one frame never loads the others.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ImplicitVRLittleEndian

from imaging_hub.dicomweb.media import FRAME_MEDIA_TYPES
from imaging_hub.dicomweb.multipart import read_file_region
from imaging_hub.errors import ImagingHubError

PIXEL_TAGS = {0x7FE00010: "PixelData", 0x7FE00008: "FloatPixelData", 0x7FE00009: "DoubleFloatPixelData"}
_LONG_LENGTH_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UN", b"UC", b"UR", b"UT", b"SV", b"UV"}
UNDEFINED_LENGTH = 0xFFFFFFFF
HEADER_DEFER_SIZE = 4096


class FrameError(ImagingHubError, ValueError):
    """A frame cannot be served (out of range, or the instance has no pixel data)."""


@dataclass(frozen=True)
class PixelLocation:
    tag: int
    vr: str
    value_offset: int
    length: int | None  # None: undefined length (encapsulated)


@dataclass(frozen=True)
class InstanceHeader:
    """An instance's dataset without pixel data, and where the pixel data is."""

    path: Path
    dataset: Dataset
    transfer_syntax: str
    pixels: PixelLocation | None

    @property
    def number_of_frames(self) -> int:
        value = self.dataset.get("NumberOfFrames")
        try:
            return max(1, int(value)) if value not in (None, "") else 1
        except (TypeError, ValueError):
            return 1

    @property
    def encapsulated(self) -> bool:
        return self.pixels is not None and self.pixels.length is None

    @property
    def frame_media_type(self) -> str:
        return FRAME_MEDIA_TYPES.get(self.transfer_syntax, "application/octet-stream")


def read_header(path: Path) -> InstanceHeader:
    """Parse ``path`` up to its pixel data; large values before it stay on disk (deferred)."""
    with path.open("rb") as fp:
        ds = dcmread(fp, stop_before_pixels=True, defer_size=HEADER_DEFER_SIZE)
        syntax = str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian))
        location = None
        if syntax != DeflatedExplicitVRLittleEndian:
            location = _pixel_location(fp, syntax)
    ds.filename = str(path)
    return InstanceHeader(path, ds, syntax, location)


def _pixel_location(fp: object, syntax: str) -> PixelLocation | None:
    from typing import BinaryIO, cast

    stream = cast(BinaryIO, fp)
    start = stream.tell()
    head = stream.read(12)
    if len(head) < 8:
        return None
    endian = ">" if syntax == ExplicitVRBigEndian else "<"
    group, element = struct.unpack(endian + "HH", head[:4])
    tag = (group << 16) | element
    if tag not in PIXEL_TAGS:
        return None
    if syntax == ImplicitVRLittleEndian:
        (length,) = struct.unpack("<I", head[4:8])
        vr, offset = "OW", start + 8
    else:
        vr_bytes = head[4:6]
        vr = vr_bytes.decode("ascii", "replace")
        if vr_bytes in _LONG_LENGTH_VRS:
            if len(head) < 12:
                return None
            (length,) = struct.unpack(endian + "I", head[8:12])
            offset = start + 12
        else:
            (length,) = struct.unpack(endian + "H", head[6:8])
            offset = start + 8
    return PixelLocation(tag, vr, offset, None if length == UNDEFINED_LENGTH else length)


def native_frame_size(ds: Dataset) -> int:
    """Bytes per frame of native (uncompressed) pixel data."""
    bits = int(ds.get("BitsAllocated", 8))
    pixels = int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1))
    if bits == 1:
        raise FrameError("single-bit pixel data is not frame addressable")
    return pixels * bits // 8


def check_frame_numbers(header: InstanceHeader, numbers: list[int]) -> None:
    if header.pixels is None and not _has_deflated_pixels(header):
        raise FrameError("instance has no pixel data")
    total = header.number_of_frames
    for number in numbers:
        if not 1 <= number <= total:
            raise FrameError(f"frame {number} is out of range 1..{total}")


def _has_deflated_pixels(header: InstanceHeader) -> bool:
    return header.transfer_syntax == DeflatedExplicitVRLittleEndian and "Rows" in header.dataset


def native_frame_region(header: InstanceHeader, number: int) -> tuple[int, int]:
    """(offset, length) in the file of frame ``number`` (1-based) of native pixel data."""
    assert header.pixels is not None and header.pixels.length is not None
    size = native_frame_size(header.dataset)
    offset = header.pixels.value_offset + (number - 1) * size
    if (number) * size > header.pixels.length:
        raise FrameError(f"frame {number} lies beyond the stored pixel data")
    return offset, size


def stored_frame(header: InstanceHeader, number: int) -> bytes:
    """Frame ``number`` (1-based) as stored: raw bytes (native) or the compressed bitstream."""
    if header.pixels is not None and header.pixels.length is not None:
        offset, size = native_frame_region(header, number)
        return b"".join(read_file_region(header.path, offset, size))
    if header.pixels is None:
        return decoded_frame(header, number)
    with header.path.open("rb") as fp:
        fp.seek(header.pixels.value_offset)
        return get_frame(fp, number - 1, number_of_frames=header.number_of_frames)


def decoded_frame(header: InstanceHeader, number: int) -> bytes:
    """Frame ``number`` decompressed to native little-endian bytes."""
    from pydicom.pixels import pixel_array

    array = pixel_array(str(header.path), index=number - 1, raw=True)
    return array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()


def iter_frame_bytes(header: InstanceHeader, numbers: list[int], decode: bool) -> Iterator[bytes]:
    for number in numbers:
        yield decoded_frame(header, number) if decode else stored_frame(header, number)
