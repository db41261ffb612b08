"""Callers by API token are cached between requests, and nothing a governance change takes away survives to
the next request: a revoked token, a removed role, a suspended agreement, a deactivated account, changed by
this process or by another one (the CLI) on the same database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from imaging_hub.governance import SYSTEM, Governance, Scope, SettableClock, offboarding
from imaging_hub.governance.tables import Membership

from .hub import Hub, build_hub
from .network import START


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, tmp_path / "archive")
    yield built
    built.archive.close()
    gov.close()


@pytest.fixture
def other_process(hub: Hub) -> Iterator[Governance]:
    """A second Governance on the same database, as the CLI would open it: its own engine and cache."""
    gov = Governance.open(str(hub.gov.engine.url), hub.gov.clock)
    yield gov
    gov.close()


def _token(hub: Hub) -> dict[str, str]:
    headers, _ = _token_and_key(hub)
    return headers


def _token_and_key(hub: Hub) -> tuple[dict[str, str], str]:
    token, row = hub.gov.access.issue_token(
        SYSTEM, hub.network.researcher.person_id, "cached", frozenset({Scope.DICOM_READ}), timedelta(days=1)
    )
    return {"Authorization": f"Bearer {token}"}, row.key_id


def _studies(hub: Hub, headers: dict[str, str]) -> Any:
    return hub.client().get("/dicom-web/studies", headers=headers)


def test_a_cached_token_is_not_looked_up_again(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _token(hub)
    assert _studies(hub, headers).status_code == 200
    lookups = []
    original = hub.gov.access.token_principal_until
    monkeypatch.setattr(hub.gov.access, "token_principal_until", lambda *a: lookups.append(1) or original(*a))
    for _ in range(3):
        assert _studies(hub, headers).status_code == 200
    assert lookups == []


def test_a_token_revoked_elsewhere_fails_on_the_very_next_request(hub: Hub, other_process: Governance) -> None:
    headers, key_id = _token_and_key(hub)
    assert _studies(hub, headers).status_code == 200  # cached now
    offboarding.revoke_token(other_process, key_id, actor=SYSTEM)
    answer = _studies(hub, headers)
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]


def test_a_removed_role_or_suspended_agreement_shows_at_once(hub: Hub, other_process: Governance) -> None:
    headers = _token(hub)
    assert [r for r in _studies(hub, headers).json()]  # the researcher reads LUNG1
    other_process.agreements.decide(SYSTEM, hub.network.agreement, "suspend", reason="audit")
    assert _studies(hub, headers).json() == []
    other_process.agreements.decide(SYSTEM, hub.network.agreement, "resume", reason="audit done")
    assert _studies(hub, headers).json() != []
    with other_process.context.reading() as session:
        membership = (
            session.query(Membership).filter_by(person_id=hub.network.researcher.person_id, role="researcher").one()
        )
    other_process.directory.revoke(SYSTEM, membership.id)
    assert _studies(hub, headers).json() == []
    other_process.directory.deactivate(SYSTEM, hub.network.researcher.person_id)
    assert _studies(hub, headers).status_code == 401


def test_an_expired_token_fails_though_cached(hub: Hub) -> None:
    headers = _token(hub)
    assert _studies(hub, headers).status_code == 200
    clock = hub.gov.clock
    assert isinstance(clock, SettableClock)
    clock.advance(timedelta(days=1, seconds=1))
    assert _studies(hub, headers).status_code == 401
