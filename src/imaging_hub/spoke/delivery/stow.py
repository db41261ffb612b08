"""STOW-RS client side (PS3.18 10.5): a multipart/related request of Part 10 files, and the response."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REFERENCED_SOP_SEQUENCE = "00081199"
_FAILED_SOP_SEQUENCE = "00081198"
_REFERENCED_SOP_INSTANCE_UID = "00081155"
_FAILURE_REASON = "00081197"
_WARNING_REASON = "00081196"

# Failure reasons worth trying again later (PS3.18 Table 10.5.3-1 / PS3.4 C-STORE statuses).
TRANSIENT_FAILURES = frozenset({0xA700, 0xA701, 0xA702, 0x0110, 0x0213})


def multipart_body(paths: list[Path], boundary: str) -> Iterator[bytes]:
    """Stream the request body file by file, never holding the whole batch in memory."""
    head = _part_head(boundary)
    for path in paths:
        yield head
        yield path.read_bytes()
        yield b"\r\n"
    yield _closing(boundary)


def multipart_length(paths: list[Path], boundary: str) -> int:
    """The length of ``multipart_body`` for these files as they are now (outbox files never change).

    Sent as Content-Length: the hub can refuse an oversized request before reading it, and each file goes out
    as it was read, where chunked encoding would copy it once more to frame it."""
    per_part = len(_part_head(boundary)) + 2
    return sum(per_part + os.stat(path).st_size for path in paths) + len(_closing(boundary))


def _part_head(boundary: str) -> bytes:
    return f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode()


def _closing(boundary: str) -> bytes:
    return f"--{boundary}--\r\n".encode()


def new_boundary() -> str:
    return f"imaging-hub-{secrets.token_hex(12)}"


def content_type(boundary: str) -> str:
    return f'multipart/related; type="application/dicom"; boundary={boundary}'


@dataclass
class StowResponse:
    referenced: set[str] = field(default_factory=set)
    failed: dict[str, int] = field(default_factory=dict)  # SOP Instance UID -> failure reason
    warnings: dict[str, int] = field(default_factory=dict)


def _first(item: dict[str, Any], tag: str) -> Any:
    values = (item.get(tag) or {}).get("Value") or []
    return values[0] if values else None


def parse_stow_response(body: Any) -> StowResponse:
    """Read the DICOM JSON (PS3.18 Annex F) of a STOW-RS response; tolerant of a list-wrapped object."""
    if isinstance(body, list):
        body = body[0] if body else {}
    if not isinstance(body, dict):
        raise ValueError("STOW-RS response is not a DICOM JSON object")
    result = StowResponse()
    for item in (body.get(_REFERENCED_SOP_SEQUENCE) or {}).get("Value") or []:
        uid = _first(item, _REFERENCED_SOP_INSTANCE_UID)
        if uid:
            result.referenced.add(str(uid))
            warning = _first(item, _WARNING_REASON)
            if warning is not None:
                result.warnings[str(uid)] = int(warning)
    for item in (body.get(_FAILED_SOP_SEQUENCE) or {}).get("Value") or []:
        uid = _first(item, _REFERENCED_SOP_INSTANCE_UID)
        if uid:
            reason = _first(item, _FAILURE_REASON)
            result.failed[str(uid)] = int(reason) if reason is not None else 0x0110
    return result
