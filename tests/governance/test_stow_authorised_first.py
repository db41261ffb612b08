"""A caller who may write nowhere starts a 2 GiB STOW-RS upload: the hub must refuse at once, from the headers,
without reading or spooling the body (before, it received and spooled all of it, then refused every part)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from imaging_hub.governance import SYSTEM, AuditFilter, Governance, Scope, SettableClock

from .hub import Hub, build_hub
from .live import read_answer, request_head, served
from .network import START

GIB = 1024**3
BOUNDARY = "imaginghubboundary"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("stow-first")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


@pytest.fixture(scope="module")
def port(hub: Hub) -> Iterator[int]:
    with served(hub.app) as bound:
        yield bound


def spooled(hub: Hub) -> list[Path]:
    tmp = hub.archive.data_dir / "tmp"
    return [p for p in tmp.rglob("*") if p.is_file()] if tmp.exists() else []


def start_upload(port: int, headers: dict[str, str]) -> tuple[int, bytes]:
    """Declare 2 GiB, send the first MiB, then wait for the answer without sending more."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        content_type = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
        sock.sendall(request_head("POST", "/dicom-web/studies",
                                  {**headers, "Content-Type": content_type, "Content-Length": str(2 * GIB)}))
        first = f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode() + b"\0" * (1024 * 1024)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(first)
        # A hub that waited for the rest of the 2 GiB would never answer: read_answer gives up and fails the test.
        return read_answer(sock, timeout=30)


def test_a_token_without_write_scope_is_refused_before_the_body(hub: Hub, port: int) -> None:
    # The lead may send data into LUNG1, but this token of theirs only reads.
    token, _ = hub.gov.access.issue_token(
        SYSTEM, hub.network.lead.person_id, "reader", frozenset({Scope.DICOM_READ}), timedelta(days=1)
    )
    status, answer = start_upload(port, {"Authorization": f"Bearer {token}"})
    assert status == 403, answer[:300]
    assert b"may not send data" in answer
    assert spooled(hub) == [], "nothing of the refused body may be spooled"
    refusals = hub.gov.audit.entries(AuditFilter(action="dicom.write", outcome="denied", limit=20))
    assert any(e.actor_kind == "token" for e in refusals)


def test_an_account_that_sends_nowhere_is_refused_before_the_body(hub: Hub, port: int) -> None:
    token, _ = hub.gov.access.issue_token(
        SYSTEM, hub.network.researcher.person_id, "r", frozenset({Scope.DICOM_READ}), timedelta(days=1)
    )
    status, _ = start_upload(port, {"Authorization": f"Bearer {token}"})
    assert status == 403
    assert spooled(hub) == []


def test_no_credentials_at_all_is_refused_before_the_body(hub: Hub, port: int) -> None:
    status, answer = start_upload(port, {})
    assert status == 401, answer[:300]
    assert spooled(hub) == []
