"""Schemathesis against the hub's OpenAPI description, governance API: generated requests from an
administrator never crash the service (no 5xx) and answers conform to the declared schemas. Bounded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from imaging_hub.governance import SYSTEM, Governance, Scope, SettableClock

from .hub import build_hub
from .network import START


@pytest.fixture(scope="module")
def governed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    data = tmp_path_factory.mktemp("schemathesis")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    hub = build_hub(gov, data / "archive")
    scopes = frozenset({Scope.GOVERNANCE_READ, Scope.GOVERNANCE_WRITE, Scope.AUDIT_READ})  # all an admin's roles allow
    token, _ = gov.access.issue_token(SYSTEM, hub.network.admin.person_id, "schemathesis", scopes, timedelta(days=1))
    yield hub.app, token
    hub.archive.close()
    gov.close()


def test_governance_api_conforms(governed: tuple[Any, str]) -> None:
    app, token = governed
    auth = {"Authorization": f"Bearer {token}"}  # the description itself needs sign-in
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=auth).include(path_regex="^/api/governance/")
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def exercise(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=checks)

        exercise()
