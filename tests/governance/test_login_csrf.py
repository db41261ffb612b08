"""Login CSRF, as an attacker's page would try it: post the attacker's own credentials to /sign-in from another
site, with or without the victim's pre-session cookie, with a stolen or made-up token. Only a form served by
the hub, posted from the hub's own origin, signs anyone in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.web.pages.sign_in import PRE_SESSION_COOKIE

from .hub import Hub, build_hub
from .network import PASSWORD, START

ATTACKER = {"email": "dev@pixel.example", "password": PASSWORD}  # the attacker's own, valid account


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("csrf")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def form_token(client: TestClient) -> str:
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert PRE_SESSION_COOKIE in page.headers["set-cookie"] and "samesite=strict" in page.headers["set-cookie"].lower()
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_the_hubs_own_form_signs_in(hub: Hub) -> None:
    client = hub.client()
    token = form_token(client)
    answer = client.post("/sign-in", data={**ATTACKER, "csrf": token}, headers={"Origin": "http://testserver"})
    assert answer.status_code == 303 and SESSION_COOKIE in client.cookies


def test_a_post_from_another_site_is_refused_even_with_a_valid_token(hub: Hub) -> None:
    client = hub.client()
    token = form_token(client)
    for origin in ("https://evil.example", "null", "http://testserver.evil.example", "http://testserver:8443"):
        answer = client.post("/sign-in", data={**ATTACKER, "csrf": token}, headers={"Origin": origin})
        assert answer.status_code == 403, origin
        assert SESSION_COOKIE not in client.cookies, origin
    referred = client.post(
        "/sign-in", data={**ATTACKER, "csrf": token}, headers={"Referer": "https://evil.example/testserver/sign-in"}
    )
    assert referred.status_code == 403
    anonymous_post = client.post("/sign-in", data={**ATTACKER, "csrf": token})  # neither Origin nor Referer
    assert anonymous_post.status_code == 403 and SESSION_COOKIE not in client.cookies
    refusals = hub.gov.audit.entries(AuditFilter(action="session.login", outcome="denied", limit=100))
    assert sum(_reason(e) == "cross-site" for e in refusals) >= 6


def test_an_own_referer_is_accepted_when_the_origin_is_not_sent(hub: Hub) -> None:
    client = hub.client()
    token = form_token(client)
    answer = client.post(
        "/sign-in", data={**ATTACKER, "csrf": token}, headers={"Referer": "http://testserver/sign-in?next=/"}
    )
    assert answer.status_code == 303


def test_a_same_origin_post_without_the_forms_token_is_refused(hub: Hub) -> None:
    # As if the attacker's page got a same-origin POST through (a reflected form), but has no token.
    victim = hub.client()
    mine = form_token(victim)
    headers = {"Origin": "http://testserver"}
    assert victim.post("/sign-in", data=ATTACKER, headers=headers).status_code == 403
    assert victim.post("/sign-in", data={**ATTACKER, "csrf": "0" * 64}, headers=headers).status_code == 403
    # A token from the attacker's own visit to the form does not fit the victim's pre-session cookie.
    attacker = hub.client()
    theirs = form_token(attacker)
    assert theirs != mine
    assert victim.post("/sign-in", data={**ATTACKER, "csrf": theirs}, headers=headers).status_code == 403
    # Nor does anything work without the pre-session cookie at all (a cross-site post does not carry it).
    bare = hub.client()
    assert bare.post("/sign-in", data={**ATTACKER, "csrf": mine}, headers=headers).status_code == 403
    assert SESSION_COOKIE not in victim.cookies and SESSION_COOKIE not in bare.cookies
    refusals = hub.gov.audit.entries(AuditFilter(action="session.login", outcome="denied", limit=100))
    assert sum(_reason(e) == "csrf" for e in refusals) >= 4


def _reason(entry: object) -> object:
    detail = getattr(entry, "detail", "") or "{}"
    return (json.loads(detail) if isinstance(detail, str) else detail).get("reason")
