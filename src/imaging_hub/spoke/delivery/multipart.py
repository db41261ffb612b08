"""Streaming reader of multipart/related bodies (WADO-RS responses): yields one part at a time, so memory
holds at most one instance however large the series."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


class MultipartError(ValueError):
    pass


def boundary_of(content_type: str) -> str:
    match = _BOUNDARY.search(content_type)
    if not match:
        raise MultipartError(f"no boundary in Content-Type {content_type!r}")
    return match.group(1).strip()


def iter_parts(chunks: Iterable[bytes], boundary: str) -> Iterator[bytes]:
    """Bodies of the parts (headers dropped)."""
    delimiter = b"\r\n--" + boundary.encode()
    buffer = b"\r\n"  # so the first delimiter looks like every other one
    state = "preamble"
    for chunk in chunks:
        buffer += chunk
        while True:
            if state == "preamble":
                at = buffer.find(delimiter)
                if at < 0:
                    buffer = buffer[-len(delimiter):]
                    break
                buffer = buffer[at + len(delimiter):]
                state = "after-delimiter"
            if state == "after-delimiter":
                if len(buffer) < 2:
                    break
                if buffer.startswith(b"--"):
                    return
                end_headers = buffer.find(b"\r\n\r\n")
                if end_headers < 0:
                    break
                buffer = buffer[end_headers + 4:]
                state = "body"
            if state == "body":
                at = buffer.find(delimiter)
                if at < 0:
                    break
                yield buffer[:at]
                buffer = buffer[at + len(delimiter):]
                state = "after-delimiter"
    if state == "body":
        raise MultipartError("multipart body ended inside a part (truncated response)")
