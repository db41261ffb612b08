"""The first PDU of a connection is peeked whole, however the peer writes it, and left for whoever reads it."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from imaging_hub.dimse import pdus

_BODY = bytes(range(256)) * 2
_REQUEST = struct.pack(">BxI", pdus.A_ASSOCIATE_RQ, len(_BODY)) + _BODY


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A TCP connection on the loopback: (the peer's end, our accepted end)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        peer = socket.create_connection(server.getsockname())
        ours, _ = server.accept()
    try:
        yield peer, ours
    finally:
        peer.close()
        ours.close()


def _send_later(sock: socket.socket, pieces: list[bytes], pause: float) -> threading.Thread:
    def send() -> None:
        for piece in pieces:
            time.sleep(pause)
            sock.sendall(piece)

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_a_request_written_in_pieces_is_peeked_whole_and_left_unread(pair: tuple[socket.socket, socket.socket]) -> None:
    peer, ours = pair
    sender = _send_later(peer, [_REQUEST[:6], _REQUEST[6:100], _REQUEST[100:]], 0.03)
    assert pdus.peek_first(ours, 5, 256 * 1024) == _REQUEST
    sender.join()
    assert ours.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT) == 1  # reads after it wake as usual
    ours.settimeout(1)
    assert ours.recv(len(_REQUEST), socket.MSG_WAITALL) == _REQUEST  # nothing was consumed


def test_a_request_cut_off_gives_what_came_by_the_deadline(pair: tuple[socket.socket, socket.socket]) -> None:
    peer, ours = pair
    peer.sendall(_REQUEST[:50])
    assert pdus.peek_first(ours, 0.3, 256 * 1024) == _REQUEST[:50]
    assert ours.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT) == 1


def test_silence_or_a_closed_connection_gives_nothing(pair: tuple[socket.socket, socket.socket]) -> None:
    peer, ours = pair
    assert pdus.peek_first(ours, 0.2, 256 * 1024) is None
    peer.close()
    assert pdus.peek_first(ours, 1, 256 * 1024) is None


def test_a_request_over_the_limit_is_left_to_pynetdicom_after_its_header(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    peer, ours = pair
    peer.sendall(_REQUEST)
    first = pdus.peek_first(ours, 5, 100)
    assert first is not None and first[:6] == _REQUEST[:6]
