"""Request bodies as an attacker sends them: 200 MB to the anonymous sign-in route (declared and streamed),
oversized governance JSON, and values that should never come back in an error. Against a real uvicorn where
memory and timing matter."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from imaging_hub.api.body_limits import GOVERNANCE_MAX_BYTES, SIGN_IN_MAX_BYTES
from imaging_hub.governance import SYSTEM, Governance, Scope, SettableClock

from .hub import Hub, build_hub
from .live import read_answer, request_head, rss_bytes, served
from .network import START

MB = 1024 * 1024


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("bodies")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


@pytest.fixture(scope="module")
def port(hub: Hub) -> Iterator[int]:
    with served(hub.app) as bound:
        yield bound


def test_a_200_mb_streamed_sign_in_is_cut_off_without_the_memory_growing(port: int) -> None:
    before = rss_bytes()
    chunk = b'{"email": "' + b"A" * (MB - 12)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        head = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        sock.sendall(request_head("POST", "/api/governance/session", head))
        sent = 0
        try:
            for _ in range(200):
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the hub stopped reading and closed: what we want
        status, answer = read_answer(sock)
    grown = rss_bytes() - before
    assert status == 413, answer[:300]
    assert f"at most {SIGN_IN_MAX_BYTES} bytes".encode() in answer
    assert b"AAAA" not in answer
    assert sent < 200 * MB, "the hub should have stopped taking the body long before 200 MB"
    assert grown < 50 * MB, f"memory grew by {grown / MB:.0f} MiB for a refused body"


def test_a_declared_200_mb_sign_in_is_refused_before_any_body_is_sent(port: int) -> None:
    before = rss_bytes()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            request_head(
                "POST", "/api/governance/session", {"Content-Type": "application/json", "Content-Length": str(200 * MB)}
            )
        )
        status, answer = read_answer(sock)  # nothing of the body sent at all
    assert status == 413 and f"at most {SIGN_IN_MAX_BYTES} bytes".encode() in answer
    assert b"nosniff" in answer.lower() and b"no-store" in answer.lower(), "a 413 carries the security headers"
    assert rss_bytes() - before < 50 * MB


def test_governance_json_is_capped_small_and_the_limit_named(hub: Hub) -> None:
    token, _ = hub.gov.access.issue_token(
        SYSTEM, hub.network.admin.person_id, "t", frozenset({Scope.GOVERNANCE_WRITE}), timedelta(days=1)
    )
    client = hub.client()
    body = {"ods_code": "RZZ", "name": "N" * GOVERNANCE_MAX_BYTES}
    answer = client.post("/api/governance/sites", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 413
    limit = f"request body too large: this route accepts at most {GOVERNANCE_MAX_BYTES} bytes"
    assert answer.json() == {"detail": limit}


def test_validation_errors_name_the_field_never_the_value(hub: Hub) -> None:
    client = hub.client()
    secret = "9434765919-NHS-NUMBER-LIKE-SECRET"
    cases = [
        {"email": [secret], "password": "x"},  # wrong type
        {"email": "a@b.example", "password": secret * 40},  # too long
        {"email": {"nested": secret}, "password": {"p": secret}},
        {"password": secret},  # missing field
    ]
    for body in cases:
        answer = client.post("/api/governance/session", json=body)
        assert answer.status_code == 422, answer.text
        assert secret not in answer.text
        problems = answer.json()["detail"]
        assert problems and all(set(p) == {"loc", "type", "msg"} for p in problems)
        assert any(p["loc"][:2] in (["body", "email"], ["body", "password"]) for p in problems)
    truncated = b'{"email": "' + secret.encode() + b'"'
    broken = client.post("/api/governance/session", content=truncated, headers={"content-type": "application/json"})
    assert broken.status_code == 422 and secret not in broken.text
    web = client.post("/sign-in", data={"email": secret * 20, "password": secret})
    assert web.status_code == 422 and secret not in web.text
