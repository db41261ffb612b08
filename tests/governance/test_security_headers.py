"""Security headers on every kind of answer (JSON, DICOMweb, pages, errors, refusals), HSTS over TLS only, and
the API documentation: behind sign-in, loading nothing from a CDN and no inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from imaging_hub.api import PAGE_POLICY
from imaging_hub.governance import SYSTEM, Governance, Scope, SettableClock

from .hub import Hub, build_hub
from .network import START


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("headers")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def reader(hub: Hub) -> dict[str, str]:
    token, _ = hub.gov.access.issue_token(
        SYSTEM, hub.network.researcher.person_id, "t", frozenset({Scope.DICOM_READ, Scope.GOVERNANCE_READ}),
        timedelta(days=1),
    )
    return {"Authorization": f"Bearer {token}"}


def assert_protected(answer: object, *, cached: bool = False) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    csp = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "same-origin"
    assert headers.get("x-frame-options") == "DENY"
    if not cached:
        assert headers.get("cache-control") == "no-store"


def test_every_kind_of_answer_carries_the_headers(hub: Hub) -> None:
    client = hub.client()
    auth = reader(hub)
    study, series, sop = hub.instances["LUNG1"]
    answers = [
        client.get("/api/governance/me", headers=auth),  # JSON
        client.get("/api/governance/me"),  # 401
        client.get("/dicom-web/studies", headers=auth),  # QIDO
        client.get(f"/dicom-web/studies/{study}/metadata", headers=auth),  # WADO metadata
        client.get(f"/dicom-web/studies/{study}/series/{series}/instances/{sop}", headers=auth),  # DICOM
        client.get(f"/dicom-web/studies/{study}/series/{series}/instances/{sop}/rendered", headers=auth),
        client.get("/dicom-web/studies/1.2.3.4/metadata", headers=auth),  # 404
        client.get("/no/such/route"),
        client.post("/api/governance/session", content=b"x" * 100_000, headers={"content-type": "application/json"}),
        client.get("/sign-in"),  # page
        client.get("/"),  # redirect to sign-in
        client.get("/healthz"),
    ]
    for answer in answers:
        assert_protected(answer)
    assert "strict-transport-security" not in answers[0].headers, "no HSTS over plain HTTP"
    json_csp = answers[0].headers["content-security-policy"]
    assert json_csp.startswith("default-src 'none'"), "a JSON answer may load nothing"
    assert client.get("/sign-in").headers["content-security-policy"] == PAGE_POLICY
    static = client.get("/static/nhsuk/nhsuk-frontend.min.css")
    assert static.status_code == 200
    assert_protected(static, cached=True)
    assert "max-age" in static.headers["cache-control"]


def test_hsts_over_tls(hub: Hub) -> None:
    client = TestClient(hub.app, base_url="https://testserver")
    for path in ("/api/governance/me", "/sign-in", "/dicom-web/studies"):
        hsts = client.get(path).headers.get("strict-transport-security", "")
        assert hsts.startswith("max-age=31536000"), path


def test_the_api_description_and_docs_need_sign_in(hub: Hub) -> None:
    anonymous = hub.client()
    assert anonymous.get("/openapi.json").status_code == 401
    assert anonymous.get("/docs").headers.get("location") == "/sign-in"
    assert anonymous.get("/redoc").status_code == 404
    assert anonymous.get("/docs/oauth2-redirect").status_code == 404
    described = anonymous.get("/openapi.json", headers=reader(hub))
    assert described.status_code == 200 and "/api/governance/session" in described.json()["paths"]


def test_the_docs_page_loads_only_the_hubs_own_scripts(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert "script-src 'self'" in PAGE_POLICY
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all(body.strip() == "" for _, body in scripts), "no inline script"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
    assert client.get("/openapi.json").status_code == 200, "the page's description loads with the same session"
