"""multipart/related (RFC 2387) as DICOMweb uses it: the one streaming writer and the one streaming reader.

The writer yields file contents in chunks, so a response or request never holds a whole study, and knows
the body's length before it is read (a request can go out with Content-Length rather than chunked). The
reader writes each part to its own sink as bytes arrive, so a request never holds a whole upload; it is
cheap enough (one ``bytes.find`` and one write per received chunk, no copy) to run on the event loop.
:func:`iter_parts` reads a body given as an iterator of chunks (a WADO-RS response) one part at a time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from imaging_hub.dicomweb.media import parse_media_type
from imaging_hub.errors import ImagingHubError

CHUNK_SIZE = 256 * 1024
MAX_HEADER_BYTES = 16 * 1024


class MultipartError(ImagingHubError, ValueError):
    """The body is not well-formed multipart/related; the message names what is wrong."""


def new_boundary() -> str:
    return f"imaging-hub-{secrets.token_hex(16)}"


@dataclass(frozen=True)
class OutgoingPart:
    """A part to send: bytes, or a file region streamed from disk."""

    content_type: str
    data: bytes | None = None
    path: Path | None = None
    offset: int = 0
    length: int | None = None  # None: to the end of the file
    headers: dict[str, str] = field(default_factory=dict)


def content_type_header(inner_type: str, boundary: str, transfer_syntax: str | None = None) -> str:
    value = f'multipart/related; type="{inner_type}"; boundary={boundary}'
    if transfer_syntax:
        value += f"; transfer-syntax={transfer_syntax}"
    return value


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type; MultipartError if it has none."""
    try:
        boundary = parse_media_type(content_type).params.get("boundary", "")
    except ValueError as exc:
        raise MultipartError(f"malformed Content-Type: {exc}") from None
    if not boundary:
        raise MultipartError("multipart Content-Type has no boundary parameter")
    return boundary


def encode(parts: Iterable[OutgoingPart], boundary: str) -> Iterator[bytes]:
    """Yield the multipart body chunk by chunk; files are read lazily, CHUNK_SIZE at a time."""
    for part in parts:
        yield _part_head(part, boundary)
        if part.data is not None:
            yield part.data
        elif part.path is not None:
            yield from read_file_region(part.path, part.offset, part.length)
        yield b"\r\n"
    yield _closing(boundary)


def encoded_length(parts: Iterable[OutgoingPart], boundary: str) -> int:
    """The length of ``encode(parts, boundary)`` with the files as they are now, without reading them."""
    total = len(_closing(boundary))
    for part in parts:
        if part.data is not None:
            size = len(part.data)
        elif part.path is not None:
            available = max(os.stat(part.path).st_size - part.offset, 0)
            size = available if part.length is None else min(part.length, available)
        else:
            size = 0
        total += len(_part_head(part, boundary)) + size + 2
    return total


def _part_head(part: OutgoingPart, boundary: str) -> bytes:
    head = [f"--{boundary}", f"Content-Type: {part.content_type}"]
    head += [f"{name}: {value}" for name, value in part.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")


def _closing(boundary: str) -> bytes:
    return f"--{boundary}--\r\n".encode("latin-1")


def read_file_region(path: Path, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
    with path.open("rb") as fp:
        fp.seek(offset)
        remaining = length
        while remaining is None or remaining > 0:
            chunk = fp.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
            if not chunk:
                if remaining:  # the file is shorter than the region: never send a short part as if whole
                    raise MultipartError(f"{path.name} ends {remaining} bytes before the region to send")
                break
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


@dataclass
class ReceivedPart:
    """A part of a body, spooled to ``path`` (None for a sink that is not a file)."""

    index: int
    headers: dict[str, str]
    path: Path | None
    size: int = 0

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class PartSink(Protocol):
    """Where one part's body goes, written in order, then closed (a file sink also has its ``path``)."""

    def write(self, data: bytes | bytearray | memoryview, /) -> object: ...

    def close(self) -> None: ...


class _FileSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("wb")

    def write(self, data: bytes | bytearray | memoryview, /) -> object:
        return self._file.write(data)

    def close(self) -> None:
        self._file.close()


class MultipartReader:
    """Incremental parser: ``feed`` chunks as they arrive, then ``finish``.

    Parts land in files in ``spool_dir``, or in whatever ``open_part(index, headers)`` returns (STOW-RS
    hands out files in the archive's own tmp folder, so storing a part is a rename).

    A part's bytes go to its sink as views of the received chunk, never gathered in a buffer first; only
    final bytes that may begin a delimiter, or an unfinished boundary line or header block, wait for the
    next chunk.
    """

    def __init__(self, boundary: str, spool_dir: Path | None = None, *,
                 open_part: Callable[[int, dict[str, str]], PartSink] | None = None) -> None:
        if not boundary or len(boundary) > 200:
            raise MultipartError("multipart boundary is missing or longer than 200 characters")
        if (spool_dir is None) == (open_part is None):
            raise ValueError("give a spool folder or an open_part function, not both")
        self._marker = b"--" + boundary.encode("latin-1")
        self._delimiter = b"\r\n" + self._marker
        self._spool_dir = spool_dir
        self._open_sink = open_part
        self._pending = b""  # the unparsed end of the last chunk
        self._state = "preamble"
        self._sink: PartSink | None = None
        self.parts: list[ReceivedPart] = []

    def feed(self, chunk: bytes) -> None:
        data, at = bytes(chunk) if not isinstance(chunk, bytes) else chunk, 0
        if self._pending:
            if self._state == "body" and len(data) >= len(self._delimiter):
                at = self._body_across(data)
            else:
                data = self._pending + data  # a short chunk, or a boundary line or headers split by the chunking
            self._pending = b""
        position: int | None = at
        while position is not None:
            position = self._step(data, position)

    @property
    def complete(self) -> bool:
        """Whether the closing boundary has been read (what follows it is ignored)."""
        return self._state == "end"

    def finish(self) -> list[ReceivedPart]:
        if self._state != "end":
            self._close_sink()
            where = "before the first boundary" if self._state == "preamble" else "before the closing boundary"
            raise MultipartError(f"multipart body ended {where} (truncated or wrong boundary)")
        return self.parts

    def close(self) -> None:
        """Release the open part file (after an error)."""
        self._close_sink()

    def _step(self, data: bytes, at: int) -> int | None:
        """Parse ``data`` from ``at`` in the current state: where to go on, or None once the rest is kept."""
        if self._state == "body":
            return self._body(data, at)
        if self._state == "preamble":
            return self._preamble(data, at)
        if self._state == "after-boundary":
            return self._boundary_line(data, at)
        if self._state == "headers":
            return self._headers(data, at)
        return None  # epilogue after the closing boundary is ignored

    def _preamble(self, data: bytes, at: int) -> int | None:
        index = data.find(self._marker, at)
        if index < 0:
            self._pending = data[max(at, len(data) - len(self._marker)):]
            return None
        self._state = "after-boundary"
        return index + len(self._marker)

    def _boundary_line(self, data: bytes, at: int) -> int | None:
        if len(data) - at < 2:
            self._pending = data[at:]
            return None
        if data[at:at + 2] == b"--":
            self._state = "end"
            return None
        line_end = data.find(b"\r\n", at)
        if line_end < 0:
            if len(data) - at > 256:
                raise MultipartError("boundary line is not followed by CRLF")
            self._pending = data[at:]
            return None
        if data[at:line_end].strip(b" \t"):
            raise MultipartError("unexpected characters after a multipart boundary")
        self._state = "headers"
        return line_end + 2

    def _headers(self, data: bytes, at: int) -> int | None:
        if data[at:at + 2] == b"\r\n":
            headers_text, after = b"", at + 2
        else:
            end = data.find(b"\r\n\r\n", at)
            if end < 0:
                if len(data) - at > MAX_HEADER_BYTES:
                    raise MultipartError(f"part headers longer than {MAX_HEADER_BYTES} bytes")
                self._pending = data[at:]
                return None
            headers_text, after = data[at:end], end + 4
        self._open_part(_parse_headers(headers_text))
        self._state = "body"
        return after

    def _body(self, data: bytes, at: int) -> int | None:
        index = data.find(self._delimiter, at)
        if index < 0:
            kept = self._delimiter_start(data, at)
            self._write(data, at, kept)
            self._pending = data[kept:]
            return None
        self._end_part(data, at, index)
        return index + len(self._delimiter)

    def _delimiter_start(self, data: bytes, at: int) -> int:
        """Where the last bytes of ``data`` may begin a delimiter that the next chunk completes (else its end)."""
        start = data.find(b"\r", max(at, len(data) - (len(self._delimiter) - 1)))
        while start >= 0 and not self._delimiter.startswith(data[start:]):
            start = data.find(b"\r", start + 1)
        return len(data) if start < 0 else start

    def _body_across(self, data: bytes) -> int:
        """Settle the bytes kept from the last chunk against the start of ``data`` (at least a delimiter
        long, so every place a delimiter could start in them is checked); where to go on in ``data``."""
        kept = self._pending
        index = (kept + data[:len(self._delimiter) - 1]).find(self._delimiter)
        if index < 0:
            self._write(kept, 0, len(kept))
            return 0
        self._end_part(kept, 0, index)
        return index + len(self._delimiter) - len(kept)

    def _end_part(self, data: bytes, at: int, delimiter_at: int) -> None:
        self._write(data, at, delimiter_at)
        self._close_sink()
        self._state = "after-boundary"

    def _open_part(self, headers: dict[str, str]) -> None:
        index = len(self.parts)
        if self._open_sink is not None:
            sink = self._open_sink(index, headers)
        else:
            assert self._spool_dir is not None
            sink = _FileSink(self._spool_dir / f"part-{index:06d}.dcm")
        self.parts.append(ReceivedPart(index, headers, getattr(sink, "path", None)))
        self._sink = sink

    def _write(self, data: bytes, start: int, end: int) -> None:
        """Hand ``data[start:end]`` to the open part, without copying it."""
        if end > start and self._sink is not None:
            self._sink.write(memoryview(data)[start:end])
            self.parts[-1].size += end - start

    def _close_sink(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None


def _parse_headers(text: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in text.decode("latin-1").split("\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise MultipartError(f"malformed part header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


class _BytesSink:
    """A part gathered in memory, handed on once it is complete."""

    def __init__(self, done: list[bytes]) -> None:
        self._done = done
        self._data = bytearray()

    def write(self, data: bytes | bytearray | memoryview, /) -> object:
        self._data += data
        return len(data)

    def close(self) -> None:
        self._done.append(bytes(self._data))


def iter_parts(chunks: Iterable[bytes], boundary: str) -> Iterator[bytes]:
    """The bodies of the parts of a body given as chunks, each as soon as it is complete, so memory holds
    one part at a time; MultipartError if the body is malformed or ends before its closing boundary."""
    done: list[bytes] = []
    reader = MultipartReader(boundary, open_part=lambda _index, _headers: _BytesSink(done))
    try:
        for chunk in chunks:
            reader.feed(chunk)
            yield from done
            done.clear()
            if reader.complete:
                return
        reader.finish()
    finally:
        reader.close()
