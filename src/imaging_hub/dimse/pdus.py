"""Upper layer PDUs (PS3.8 9.3) on a socket: the first one peeked, then each read whole with few system calls.

Hand-written for the direct storage association (``storage_association``): pynetdicom's PDU loop (its DUL
thread reading, decoding each PDU into objects and queueing them for the association thread) was 18% of the
hub's CPU samples while storescu sent CT instances (bench/RESULTS.md, issue 21 §3), and the hand-offs between
its two threads per association cost more. Here one thread reads into one buffer, as much as the socket holds
(often several PDUs, or a whole 256 KiB dataset PDU, per ``recv_into``), and P-DATA-TF bodies are handed on
as views of that buffer, never copied.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time

from imaging_hub.dimse.sockets import ack_now
from imaging_hub.errors import ImagingHubError

A_ASSOCIATE_RQ = 0x01
A_ASSOCIATE_AC = 0x02
A_ASSOCIATE_RJ = 0x03
P_DATA_TF = 0x04
A_RELEASE_RQ = 0x05
A_RELEASE_RP = 0x06
A_ABORT = 0x07

# A-ABORT provider reasons (PS3.8 9.3.8)
REASON_NOT_SPECIFIED = 0x00
UNRECOGNISED_PDU = 0x01
UNEXPECTED_PDU = 0x02
UNRECOGNISED_PARAMETER = 0x04
UNEXPECTED_PARAMETER = 0x05
INVALID_PARAMETER = 0x06

_HEADER = struct.Struct(">BxI")  # PDU type, reserved, PDU length
_PDV = struct.Struct(">IBB")  # PDV item length, presentation context ID, message control header
HEADER_LENGTH = _HEADER.size
_PEEK_RETRY_S = 0.002  # a peek returns at once while any byte waits: pause before looking again


class ProtocolViolation(ImagingHubError):
    """The peer broke the upper layer protocol; ``reason`` is the A-ABORT provider reason to send."""

    def __init__(self, reason: int, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class PeerGone(ImagingHubError):
    """The peer closed the connection; ``mid_pdu`` when it did so in the middle of a PDU."""

    def __init__(self, mid_pdu: bool) -> None:
        super().__init__("connection closed in the middle of a PDU" if mid_pdu else "connection closed")
        self.mid_pdu = mid_pdu


def peek_first(sock: socket.socket, timeout: float, limit: int) -> bytes | None:
    """The connection's first PDU, whole and left unread (so pynetdicom can still be handed the connection
    untouched), or as much of it as came within ``timeout`` or fits ``limit``; None when nothing came or
    the peer closed."""
    deadline = time.monotonic() + timeout
    wanted = HEADER_LENGTH
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None if wanted == HEADER_LENGTH else _waiting(sock, wanted)
            sock.settimeout(remaining)
            _wake_at(sock, wanted)
            try:
                data = sock.recv(wanted, socket.MSG_PEEK)
            except TimeoutError:
                return None if wanted == HEADER_LENGTH else _waiting(sock, wanted)
            if not data:
                return None
            if len(data) >= HEADER_LENGTH and wanted == HEADER_LENGTH:
                _kind, length = _HEADER.unpack_from(data)
                wanted = HEADER_LENGTH + length
                if wanted > limit:
                    return data  # too large to judge here: pynetdicom reads it
                if len(data) < wanted:
                    continue  # the length is known now: wait for the rest (a pause here cost every association 2 ms)
            if len(data) >= wanted:
                return data
            time.sleep(_PEEK_RETRY_S)  # only where the system woke us before ``wanted`` bytes were there
    finally:
        _wake_at(sock, 1)


def _waiting(sock: socket.socket, wanted: int) -> bytes:
    """What is there now, up to ``wanted`` bytes, left unread."""
    _wake_at(sock, 1)
    sock.settimeout(0)
    try:
        return sock.recv(wanted, socket.MSG_PEEK)
    except BlockingIOError:
        return b""


def _wake_at(sock: socket.socket, count: int) -> None:
    """Have a wait for the socket to be readable end only once ``count`` bytes are there (SO_RCVLOWAT; Linux
    honours it in poll, capped at half the receive buffer). A peek consumes nothing, so otherwise each peek
    after the first bytes returns at once, and a request that arrives in pieces is polled for."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, count)


def discard(sock: socket.socket, count: int) -> None:
    """Consume ``count`` bytes already peeked."""
    while count > 0:
        got = len(sock.recv(count))
        if not got:
            raise PeerGone(mid_pdu=True)
        count -= got


class PduReader:
    """Whole PDUs from a socket, each body a view into one reused buffer (valid until the next ``next``)."""

    def __init__(self, sock: socket.socket, max_length: int) -> None:
        self._sock = sock
        self._max_length = max_length
        self._buffer = bytearray(2 * (HEADER_LENGTH + max_length))  # a whole PDU and the start of the next
        self._view = memoryview(self._buffer)
        self._start = 0  # the next PDU starts here
        self._end = 0  # bytes read end here

    def next(self) -> tuple[int, memoryview]:
        """The next PDU's type and body. ProtocolViolation for an unknown type or a length over the
        maximum; PeerGone when the connection closed; TimeoutError when nothing came within the socket's
        timeout."""
        while True:
            available = self._end - self._start
            needed = HEADER_LENGTH
            if available >= HEADER_LENGTH:
                kind, length = _HEADER.unpack_from(self._buffer, self._start)
                if not A_ASSOCIATE_RQ <= kind <= A_ABORT:
                    raise ProtocolViolation(UNRECOGNISED_PDU, f"unknown PDU type 0x{kind:02x}")
                if length > self._max_length:
                    raise ProtocolViolation(
                        INVALID_PARAMETER, f"a PDU of {length} bytes, over the maximum of {self._max_length}")
                needed = HEADER_LENGTH + length
                if available >= needed:
                    body = self._view[self._start + HEADER_LENGTH : self._start + needed]
                    self._start += needed
                    return kind, body
            self._read(needed)

    def _read(self, needed: int) -> None:
        if self._start == self._end:
            self._start = self._end = 0
        elif self._start + needed > len(self._buffer):  # move the partial PDU to the front
            available = self._end - self._start
            self._buffer[:available] = self._buffer[self._start : self._end]
            self._start, self._end = 0, available
        got = self._sock.recv_into(self._view[self._end :])
        ack_now(self._sock)
        if not got:
            raise PeerGone(mid_pdu=self._end > self._start)
        self._end += got


def pdvs(body: memoryview) -> list[tuple[int, int, memoryview]]:
    """A P-DATA-TF body's PDV items as (presentation context ID, message control header, fragment)."""
    items = []
    at, end = 0, len(body)
    while at < end:
        if end - at < _PDV.size:
            raise ProtocolViolation(INVALID_PARAMETER, "a PDV item's header is cut off")
        length, context_id, control = _PDV.unpack_from(body, at)
        if length < 2 or at + 4 + length > end:
            raise ProtocolViolation(INVALID_PARAMETER, f"a PDV item of {length} bytes does not fit its PDU")
        items.append((context_id, control, body[at + _PDV.size : at + 4 + length]))
        at += 4 + length
    return items


def command_pdus(context_id: int, command: bytes, peer_max_length: int) -> bytes:
    """P-DATA-TF PDUs carrying one command set, fragmented to the peer's maximum length (0: no maximum)."""
    room = len(command) if not peer_max_length else max(peer_max_length - _PDV.size, 1)
    out = bytearray()
    for at in range(0, len(command), room):
        fragment = command[at : at + room]
        control = 0x03 if at + room >= len(command) else 0x01  # command; last fragment
        out += _HEADER.pack(P_DATA_TF, _PDV.size + len(fragment))
        out += _PDV.pack(len(fragment) + 2, context_id, control)
        out += fragment
    return bytes(out)
