"""How the spoke frames a STOW-RS request on the wire: a declared Content-Length, never chunked encoding.

A real HTTP server on loopback records what arrives, so the test sees the bytes httpx and h11 actually send.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from imaging_hub.dicomweb import boundary_of, iter_parts
from imaging_hub.spoke.delivery.hubclient import HubClient
from imaging_hub.spoke.settings import HubLink


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:  # the name http.server calls
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        type(self).seen.append({"headers": dict(self.headers.items()), "body": body})
        answer = json.dumps({"00081199": {"vr": "SQ", "Value": []}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the test reads what arrived, not a log
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_stow_declares_its_length_and_sends_each_file_whole(tmp_path: Path, recorder: str) -> None:
    files = []
    for i, size in enumerate((0, 1, 70_000, 300_001)):
        path = tmp_path / f"{i}.dcm"
        path.write_bytes(bytes([i + 1]) * size)
        files.append(path)
    client = HubClient(HubLink(url=recorder, token=SecretStr("t" * 32)))
    try:
        client.stow(files)
    finally:
        client.close()
    (request,) = _Recorder.seen
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert "transfer-encoding" not in headers
    assert int(headers["content-length"]) == len(request["body"])
    parts = list(iter_parts([request["body"]], boundary_of(headers["content-type"])))
    assert parts == [p.read_bytes() for p in files]
