"""Hostile values where numbers, boundaries and JSON are expected: a 4xx naming what was wrong, never a 500.

The last test fuzzes every governance route's path parameters and JSON bodies from the hub's own route table,
the way schemathesis does from the OpenAPI description, with values chosen to break integer columns,
recursion and parsers rather than to satisfy the schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging_hub.governance import SYSTEM, Governance, Scope, SettableClock

from .hub import Hub, build_hub
from .network import START

HUGE = "1" * 30
DEEP = 600


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("hostile")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


@pytest.fixture(scope="module")
def client(hub: Hub) -> TestClient:
    return TestClient(hub.app, raise_server_exceptions=False, follow_redirects=False)


@pytest.fixture(scope="module")
def admin(hub: Hub) -> dict[str, str]:
    scopes = frozenset({Scope.GOVERNANCE_READ, Scope.GOVERNANCE_WRITE, Scope.AUDIT_READ})
    token, _ = hub.gov.access.issue_token(SYSTEM, hub.network.admin.person_id, "fuzz", scopes, timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def reader(hub: Hub) -> dict[str, str]:
    token, _ = hub.gov.access.issue_token(
        SYSTEM, hub.network.lead.person_id, "fuzz", frozenset({Scope.DICOM_READ, Scope.DICOM_WRITE}), timedelta(days=1)
    )
    return {"Authorization": f"Bearer {token}"}


def refused_clearly(answer: Any, *words: str) -> None:
    assert 400 <= answer.status_code < 500, f"{answer.status_code}: {answer.text[:200]}"
    assert all(word in answer.text for word in words), answer.text[:300]


def test_thirty_digit_integers_in_paths(client: TestClient, admin: dict[str, str]) -> None:
    refused_clearly(client.post(f"/api/governance/people/{HUGE}/roles", json={"role": "researcher"}, headers=admin),
                    "person_id")
    refused_clearly(client.delete(f"/api/governance/roles/{HUGE}", headers=admin), "membership_id")
    refused_clearly(client.get(f"/api/governance/projects/LUNG1/snapshots/{HUGE}", headers=admin), "version")
    refused_clearly(client.get(f"/api/governance/projects/LUNG1/snapshots/{HUGE}/export", headers=admin), "version")


def test_thirty_digit_integers_in_queries(client: TestClient, admin: dict[str, str], reader: dict[str, str]) -> None:
    refused_clearly(client.get(f"/api/governance/audit?offset={HUGE}", headers=admin), "offset")
    refused_clearly(client.get(f"/api/governance/audit?limit={HUGE}", headers=admin), "limit")
    refused_clearly(client.get(f"/dicom-web/studies?offset={HUGE}", headers=reader), "offset")
    refused_clearly(client.get(f"/dicom-web/studies?limit={HUGE}", headers=reader), "limit")
    refused_clearly(client.get(f"/dicom-web/series?offset=-{HUGE}", headers=reader), "offset")


def test_thirty_digit_integers_in_json(client: TestClient, admin: dict[str, str]) -> None:
    big = int(HUGE)
    cases = [
        ("/api/governance/people", {"email": "x@y.example", "display_name": "X", "organisation_id": big},
         "organisation_id"),
        ("/api/governance/tokens", {"person_id": big, "name": "t", "scopes": ["governance:read"], "days": 1},
         "person_id"),
        ("/api/governance/tokens", {"person_id": 1, "name": "t", "scopes": ["governance:read"], "days": big}, "days"),
        ("/api/governance/dimse-peers", {"ae_title": "X", "address": "10.0.0.1", "person_id": big}, "person_id"),
        ("/api/governance/projects", {"code": "ZZ9", "title": "T", "lead_id": big}, "lead_id"),
        ("/api/governance/agreements", {"reference": "R9", "organisation_id": big, "projects": ["LUNG1"],
         "purpose": "p", "permitted_data": ["imaging"], "starts_at": "2026-01-01T00:00:00Z",
         "ends_at": "2026-02-01T00:00:00Z"}, "organisation_id"),
    ]
    for path, body, field in cases:
        refused_clearly(client.post(path, json=body, headers=admin), field)


def test_a_multipart_boundary_longer_than_rfc_2046_allows(client: TestClient, reader: dict[str, str]) -> None:
    for length in (71, 250, 5000):
        boundary = "b" * length
        body = f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\nxx\r\n--{boundary}--\r\n".encode()
        content_type = f'multipart/related; type="application/dicom"; boundary={boundary}'
        answer = client.post("/dicom-web/studies", content=body, headers={**reader, "content-type": content_type})
        refused_clearly(answer, "boundary", "70")


@pytest.mark.parametrize(
    "path",
    ["/api/governance/session", "/api/governance/sites", "/api/governance/tokens", "/spokes/reconciliation",
     "/spokes/withdrawals", "/api/governance/agreements"],
)
def test_json_nested_hundreds_deep(client: TestClient, admin: dict[str, str], reader: dict[str, str],
                                   path: str) -> None:
    headers = {**(reader if path.startswith("/spokes") else admin), "content-type": "application/json"}
    deep_list = "[" * DEEP + "]" * DEEP
    for nested in (deep_list, '{"a":' * DEEP + "1" + "}" * DEEP,
                   '{"email": ' + deep_list + ', "password": "p", "site_id": ' + deep_list + "}", "[" * 100_000):
        answer = client.post(path, content=nested.encode(), headers=headers)
        assert 400 <= answer.status_code < 500, f"{path}: {answer.status_code} {answer.text[:200]}"
        assert len(answer.content) < 4096, "the error does not echo the nested input"


_HOSTILE_SCALARS = st.one_of(
    st.sampled_from([HUGE, "-" + HUGE, "1e308", "NaN", "0", "-1", "%00", "..%2f..%2f", "\u202e", "9" * 400]),
    st.text(max_size=40),
)


def _json_values(depth: int = 3) -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.integers(min_value=-(10**40), max_value=10**40), st.floats(allow_nan=False),
                       st.booleans(), st.none(), st.text(max_size=30), st.sampled_from([HUGE, "1" * 2000]))
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                             max_size=3),
                        max_leaves=8)


def _governance_routes(hub: Hub) -> list[tuple[str, str, APIRoute]]:
    """(method, full path, route) of every governance route, walking included routers as the matrix does."""

    def walk(routes: Any, prefix: str = "") -> Iterator[tuple[str, str, APIRoute]]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute) and (prefix + route.path).startswith("/api/governance"):
                yield sorted(route.methods - {"HEAD"})[0], prefix + route.path, route

    return list(walk(hub.app.routes))


def test_fuzzed_governance_requests_never_answer_500(hub: Hub, client: TestClient, admin: dict[str, str]) -> None:
    routes = _governance_routes(hub)
    assert len(routes) >= 25

    for method, template, route in routes:
        names = [p.name for p in route.dependant.path_params]
        exercise(client, admin, method, template, names, route.body_field is not None)


def exercise(client: TestClient, admin: dict[str, str], method: str, template: str, names: list[str],
             has_body: bool) -> None:
    @given(params=st.fixed_dictionaries({n: _HOSTILE_SCALARS for n in names}), body=_json_values())
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def one(params: dict[str, str], body: Any) -> None:
        path = template
        for name, value in params.items():
            path = path.replace("{" + name + "}", quote(value, safe="") or "x")
        content = json.dumps(body).encode() if has_body else None
        answer = client.request(method, path, content=content, headers={**admin, "content-type": "application/json"})
        assert answer.status_code < 500, f"{method} {path}: {answer.status_code} {answer.text[:200]}"

    one()
