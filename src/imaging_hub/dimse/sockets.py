"""Socket tuning for DIMSE associations: responses go out at once, acknowledgements too, and a PDU is read
whole."""

from __future__ import annotations

import contextlib
import socket
import time
from typing import Any

_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def no_nagle(sock: socket.socket) -> None:
    """TCP_NODELAY: our small responses go out at once, and the peer's data is acknowledged at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ack_now(sock)


def ack_now(sock: socket.socket) -> None:
    """TCP_QUICKACK (Linux), re-armed after every read because the kernel drops it: a sender that keeps
    Nagle's algorithm on would otherwise wait for our delayed ACK (~40 ms) before each dataset's last segment."""
    if _QUICKACK is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)


def await_close(sock: socket.socket, timeout: float) -> None:
    """PS3.8's Sta13: after sending an A-ASSOCIATE-RJ, A-RELEASE-RP or A-ABORT, wait up to ``timeout`` seconds
    (the ARTIM timer) for the peer to close, discarding whatever it still sends. Closing first races the peer's
    read of that last PDU: under load a pynetdicom requestor saw an abort where it had been rejected."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(OSError):  # reset, timed out, or shut by the server stopping: closed either way
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            if not sock.recv(65536):
                return


def tune(assoc: Any) -> None:
    """Tune the association's socket for many small DIMSE messages and large datasets.

    TCP_NODELAY sends our small responses at once. TCP_QUICKACK (Linux), re-armed after every read because
    the kernel drops it, acknowledges the peer's data at once: a PACS that keeps Nagle's algorithm on (as
    DCMTK-based ones, Orthanc included, do by default) otherwise holds each dataset PDU back until our
    delayed ACK, about 40 ms per instance (20 instances/s per association instead of hundreds). And a PDU
    is read into one buffer with as few calls as the socket allows, instead of pynetdicom's 4 KiB at a
    time (a 512x512 slice took ~130 Python-level reads)."""
    assoc_socket = getattr(assoc.dul, "socket", None)
    sock = getattr(assoc_socket, "socket", None)
    if assoc_socket is None or sock is None:
        return

    def recv_exactly(nr_bytes: int) -> bytearray:
        """Like pynetdicom's AssociationSocket.recv: ``nr_bytes``, or fewer if the peer closed."""
        buffer = bytearray(nr_bytes)
        view = memoryview(buffer)
        read = 0
        while read < nr_bytes:
            got = sock.recv_into(view[read:], nr_bytes - read)
            ack_now(sock)
            if not got:
                del view
                del buffer[read:]
                break
            read += got
        return buffer

    no_nagle(sock)
    assoc_socket.recv = recv_exactly  # pynetdicom's AssociationSocket: every PDU read goes through it


def no_delay(event: Any) -> None:
    """EVT_CONN_OPEN handler: ``tune`` the association the connection belongs to."""
    tune(event.assoc)
