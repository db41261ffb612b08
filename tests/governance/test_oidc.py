"""Signing in through an identity provider: the authorization code flow with PKCE, state and nonce against a
real (minimal) OIDC provider on a free port; the ID token is checked against its JWKS, and any token that is
wrong in one way - signature, nonce, audience, issuer, expiry - is refused without a session."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from imaging_hub.api import SESSION_COOKIE, create_governed_app
from imaging_hub.governance import AuditFilter, Governance
from imaging_hub.store import Archive
from imaging_hub.web import OidcSettings, web_face

from .network import build_network
from .oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, RunningProvider


@dataclass
class Rig:
    gov: Governance
    provider: Provider
    app: object

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    data: Path = tmp_path_factory.mktemp("oidc")
    gov = Governance.open(f"sqlite:///{data / 'gov.sqlite3'}")  # real time: the provider signs with it
    build_network(gov)
    archive = Archive.open(data / "archive")
    with RunningProvider(free_port()) as provider:
        settings = OidcSettings(
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_url="http://testserver/auth/oidc/callback",
        )
        yield Rig(gov, provider, create_governed_app(archive, gov, pages=web_face(settings)))
    archive.close()
    gov.close()


@pytest.fixture(autouse=True)
def well_behaved(rig: Rig) -> Iterator[None]:
    rig.provider.misbehave = ""
    rig.provider.subject, rig.provider.email, rig.provider.email_verified = "staff-0001", "res@uni.example", True
    yield


def sign_in(client: TestClient, tamper_state: bool = False) -> httpx.Response:
    """Start at the hub, let the provider sign in and send the browser back, finish at the hub."""
    start = client.get("/auth/oidc/login")
    assert start.status_code == 303, start.text
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"].removeprefix("http://testserver")
    if tamper_state:
        back = back.replace("state=", "state=x")
    return client.get(back)


def test_sign_in_links_the_identity_and_opens_a_session(rig: Rig) -> None:
    client = rig.client()
    done = sign_in(client)
    assert done.status_code == 200, done.text
    assert 'http-equiv="refresh"' in done.text and SESSION_COOKIE in done.headers["set-cookie"]
    me = client.get("/api/governance/me")
    assert me.status_code == 200 and me.json()["email"] == "res@uni.example"
    assert me.json()["readable_projects"] == ["LUNG1"]
    person = rig.gov.directory.person_by_email("res@uni.example")
    assert person is not None and person.oidc_subject == "staff-0001"
    # Linked by subject from now on, even when the provider no longer sends an email.
    rig.provider.email = None
    again = rig.client()
    assert sign_in(again).status_code == 200
    assert again.get("/api/governance/me").json()["email"] == "res@uni.example"
    logins = rig.gov.audit.entries(AuditFilter(action="session.login", limit=20))
    assert sum("oidc" in str(e.detail) for e in logins) >= 2


@pytest.mark.parametrize(
    ("misbehave", "reason"),
    [
        ("signature", "signature not valid"),
        ("nonce", "nonce"),
        ("audience", "audience"),
        ("expired", "expired"),
        ("issuer", "another issuer"),
    ],
)
def test_a_wrong_id_token_is_refused(rig: Rig, misbehave: str, reason: str) -> None:
    rig.provider.misbehave = misbehave
    client = rig.client()
    done = sign_in(client)
    assert done.status_code == 401 and reason in done.text
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/api/governance/me").status_code == 401


def test_state_cookie_and_account_are_required(rig: Rig) -> None:
    client = rig.client()
    assert sign_in(client, tamper_state=True).status_code == 401
    stranger = rig.client()  # a callback this browser never started
    start = rig.client().get("/auth/oidc/login")
    back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    refused = stranger.get(back.removeprefix("http://testserver"))
    assert refused.status_code == 401 and "not started here" in refused.text
    rig.provider.subject, rig.provider.email = "staff-9999", "nobody@uni.example"
    unknown = sign_in(rig.client())
    assert unknown.status_code == 401 and "no active account" in unknown.text
    rig.provider.subject, rig.provider.email, rig.provider.email_verified = "staff-8888", "lead@uni.example", False
    unverified = sign_in(rig.client())  # an unverified email never links an account
    assert unverified.status_code == 401
    lead = rig.gov.directory.person_by_email("lead@uni.example")
    assert lead is not None and lead.oidc_subject is None
    assert rig.gov.audit.entries(AuditFilter(action="session.oidc", outcome="denied", limit=50))
