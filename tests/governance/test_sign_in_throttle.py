"""Guessing passwords, as an attacker would: over the API and the web form, one account from many tries, many
accounts from one address. After a few failures every attempt is refused for a while, the right password
included; each refusal is audited; the lockout ends and grows with repeated failures."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import AuditFilter, Governance, SettableClock, SignInLimits

from .hub import Hub, build_hub
from .network import PASSWORD, START

LIMITS = SignInLimits(account_failures=3, address_failures=8, lockout_seconds=60, max_lockout_seconds=600)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
def hub(tmp_path: Path, clock: SettableClock) -> Iterator[Hub]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}", clock, sign_in=LIMITS)
    built = build_hub(gov, tmp_path / "archive")
    yield built
    built.archive.close()
    gov.close()


def api_sign_in(client: TestClient, email: str, password: str) -> int:
    return client.post("/api/governance/session", json={"email": email, "password": password}).status_code


def web_sign_in(client: TestClient, email: str, password: str) -> tuple[int, str]:
    form = client.get("/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf": token.group(1)},
        headers={"Origin": "http://testserver"},
    )
    return answer.status_code, answer.text


def throttled_entries(hub: Hub) -> int:
    entries = hub.gov.audit.entries(AuditFilter(action="session.login", outcome="denied", limit=500))
    return sum(_reason(e) == "throttled" for e in entries)


def test_one_account_is_locked_after_a_few_wrong_passwords_on_the_api(hub: Hub, clock: SettableClock) -> None:
    client = hub.client()
    for attempt in range(LIMITS.account_failures):
        assert api_sign_in(client, "res@uni.example", f"guess number {attempt}") == 401
    locked = client.post("/api/governance/session", json={"email": "res@uni.example", "password": PASSWORD})
    assert locked.status_code == 429, "the right password must not get through a lockout"
    assert SESSION_COOKIE not in locked.cookies
    assert int(locked.headers["retry-after"]) == 60
    assert "try again in 60 seconds" in locked.json()["detail"]
    assert throttled_entries(hub) == 1
    # The email is counted as typed, case and spaces aside: a variant is the same account.
    assert api_sign_in(client, "  RES@Uni.Example ", PASSWORD) == 429
    # Another account from elsewhere is untouched.
    other = TestClient(hub.app, client=("10.9.9.9", 1234))
    assert api_sign_in(other, "lead@uni.example", PASSWORD) == 200

    clock.advance(timedelta(seconds=59))
    assert api_sign_in(client, "res@uni.example", PASSWORD) == 429
    clock.advance(timedelta(seconds=2))
    assert api_sign_in(client, "res@uni.example", PASSWORD) == 200, "the lockout ends"


def test_the_lockout_doubles_with_each_further_failure(hub: Hub, clock: SettableClock) -> None:
    client = hub.client()
    for attempt in range(LIMITS.account_failures):
        api_sign_in(client, "lead@uni.example", f"wrong {attempt}")
    clock.advance(timedelta(seconds=61))
    assert api_sign_in(client, "lead@uni.example", "wrong again") == 401
    again = client.post("/api/governance/session", json={"email": "lead@uni.example", "password": PASSWORD})
    assert again.status_code == 429 and int(again.headers["retry-after"]) == 120


def test_an_account_that_does_not_exist_locks_the_same_way(hub: Hub) -> None:
    client = hub.client()
    answers = [api_sign_in(client, "nobody@uni.example", f"guess {n}") for n in range(LIMITS.account_failures + 1)]
    assert answers == [401] * LIMITS.account_failures + [429], "a lockout must not reveal which accounts exist"


def test_the_web_form_is_throttled_too_and_shares_the_count(hub: Hub, clock: SettableClock) -> None:
    client = hub.client()
    assert api_sign_in(client, "ann@uni.example", "wrong one here") == 401
    for attempt in range(LIMITS.account_failures - 1):
        status, _ = web_sign_in(client, "ann@uni.example", f"wrong web {attempt}")
        assert status == 401
    status, page = web_sign_in(client, "ann@uni.example", PASSWORD)
    assert status == 429 and "Too many failed attempts" in page
    assert SESSION_COOKIE not in client.cookies
    assert PASSWORD not in page
    clock.advance(timedelta(seconds=61))
    status, _ = web_sign_in(client, "ann@uni.example", PASSWORD)
    assert status == 303


def test_one_address_spraying_many_accounts_is_locked(hub: Hub, clock: SettableClock) -> None:
    sprayer = TestClient(hub.app, client=("203.0.113.7", 4444))
    for n in range(LIMITS.address_failures):
        assert api_sign_in(sprayer, f"user{n}@uni.example", "Spring2026!!") == 401
    # Every further attempt from that address is refused, for any account, even with the right password.
    assert api_sign_in(sprayer, "res@uni.example", PASSWORD) == 429
    # The same account from another address is not locked: the address is what is throttled here.
    assert api_sign_in(TestClient(hub.app, client=("198.51.100.2", 5555)), "res@uni.example", PASSWORD) == 200
    entries = hub.gov.audit.entries(AuditFilter(action="session.login", outcome="denied", limit=500))
    assert {e.address for e in entries} == {"203.0.113.7"}
    assert all("res@uni.example" not in str(e.detail) for e in entries), "no attempted name in the trail"
    clock.advance(timedelta(seconds=LIMITS.lockout_seconds + 1))
    assert api_sign_in(sprayer, "res@uni.example", PASSWORD) == 200


def _reason(entry: object) -> object:
    detail = getattr(entry, "detail", "") or "{}"
    return (json.loads(detail) if isinstance(detail, str) else detail).get("reason")
