"""The Part 10 header (preamble, prefix, File Meta Information) for a received C-STORE, encoded directly.

Byte for byte what pynetdicom's ``Event.encoded_dataset(include_meta=True)`` writes, without building and
validating a pydicom FileMetaDataset for every instance: the UIDs come from the C-STORE request and the
accepted presentation context, which the association has already checked.
"""

from __future__ import annotations

import struct

from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION

_PREAMBLE = b"\x00" * 128 + b"DICM"


def _element(element: int, vr: bytes, value: bytes) -> bytes:
    """An explicit VR little endian element of group 0002 (short-length VRs only, OB for the version)."""
    if vr == b"OB":
        return struct.pack("<HH2sHI", 0x0002, element, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", 0x0002, element, vr, len(value)) + value


def _ui(uid: str) -> bytes:
    raw = uid.encode("ascii")
    return raw + b"\x00" if len(raw) % 2 else raw


def _text(value: str) -> bytes:
    raw = value.encode("ascii")
    return raw + b" " if len(raw) % 2 else raw


_IMPLEMENTATION = (_element(0x0012, b"UI", _ui(str(PYNETDICOM_IMPLEMENTATION_UID)))
                   + _element(0x0013, b"SH", _text(PYNETDICOM_IMPLEMENTATION_VERSION)))


def part10_header(sop_class_uid: str, sop_instance_uid: str, transfer_syntax_uid: str) -> bytes:
    """Preamble, "DICM" and the File Meta Information group for one instance."""
    body = b"".join((
        _element(0x0001, b"OB", b"\x00\x01"),
        _element(0x0002, b"UI", _ui(sop_class_uid)),
        _element(0x0003, b"UI", _ui(sop_instance_uid)),
        _element(0x0010, b"UI", _ui(transfer_syntax_uid)),
        _IMPLEMENTATION,
    ))
    return _PREAMBLE + _element(0x0000, b"UL", struct.pack("<I", len(body))) + body
