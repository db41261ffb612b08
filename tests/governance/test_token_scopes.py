"""Minting tokens as an attacker would: a token with governance:write trying to give its owner audit:read or
export, a narrow token minting a broader one, an administrator minting scopes a person's roles cannot use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from imaging_hub.governance import SYSTEM, AuditFilter, Governance, Scope, SettableClock

from .hub import Hub, build_hub
from .network import START


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("tokens")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def bearer(hub: Hub, person_id: int, scopes: set[Scope]) -> dict[str, str]:
    token, _ = hub.gov.access.issue_token(SYSTEM, person_id, "t", frozenset(scopes), timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def mint(hub: Hub, headers: dict[str, str], person_id: int, scopes: list[str]) -> Any:
    body = {"person_id": person_id, "name": "minted", "scopes": scopes, "days": 1}
    return hub.client().post("/api/governance/tokens", json=body, headers=headers)


def test_a_governance_token_cannot_mint_its_owner_audit_or_export(hub: Hub) -> None:
    researcher = hub.network.researcher.person_id
    headers = bearer(hub, researcher, {Scope.GOVERNANCE_WRITE, Scope.DICOM_READ})
    for scopes in (["audit:read"], ["export"], ["dicom:write"], ["dicom:read", "audit:read"]):
        answer = mint(hub, headers, researcher, scopes)
        assert answer.status_code == 403, (scopes, answer.text)
        assert "token" in answer.json()["detail"]
    assert hub.gov.audit.entries(AuditFilter(action="token.create", outcome="denied", limit=20))


def test_a_token_never_mints_more_than_itself(hub: Hub) -> None:
    researcher = hub.network.researcher.person_id
    narrow = bearer(hub, researcher, {Scope.GOVERNANCE_WRITE})
    answer = mint(hub, narrow, researcher, ["dicom:read"])  # the researcher's role reads, this token does not
    assert answer.status_code == 403 and "does not hold" in answer.json()["detail"]
    assert mint(hub, narrow, researcher, ["governance:write"]).status_code == 201
    wider = bearer(hub, researcher, {Scope.GOVERNANCE_WRITE, Scope.DICOM_READ})
    minted = mint(hub, wider, researcher, ["dicom:read"])
    assert minted.status_code == 201 and minted.json()["scopes"] == ["dicom:read"]


def test_an_administrator_cannot_give_scopes_the_persons_roles_do_not_use(hub: Hub) -> None:
    admin = bearer(hub, hub.network.admin.person_id, {Scope.GOVERNANCE_WRITE, Scope.AUDIT_READ})
    auditor = hub.network.auditor.person_id
    assert mint(hub, admin, hub.network.researcher.person_id, ["audit:read"]).status_code == 403
    assert mint(hub, admin, auditor, ["audit:read"]).status_code == 201
    assert mint(hub, admin, auditor, ["dicom:read"]).status_code == 403  # auditors read no imaging


def test_a_session_mints_only_what_the_roles_allow(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    me = hub.network.researcher.person_id
    body = {"person_id": me, "name": "notebook", "days": 1}
    assert client.post("/api/governance/tokens", json={**body, "scopes": ["audit:read"]}).status_code == 403
    assert client.post("/api/governance/tokens", json={**body, "scopes": ["dicom:read"]}).status_code == 201
