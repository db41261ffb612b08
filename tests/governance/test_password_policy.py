"""Passwords an attacker would guess first, offered when an account is made or its password changed: refused
per NCSC guidance, each refusal naming the rule and never repeating the password."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from imaging_hub.governance import SYSTEM, Governance, InvalidInput, Scope, SettableClock
from imaging_hub.governance.password_policy import common_passwords

from .hub import Hub, build_hub
from .network import START


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("passwords")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


REFUSED = [
    ("short pass", "at least 12 characters"),
    (" " * 12, "only spaces or one character"),
    ("\t \n" * 6, "only spaces or one character"),
    ("aaaaaaaaaaaaaaaa", "only spaces or one character"),
    ("password1234", "most commonly used"),
    ("P@ssw0rd2026!", "most commonly used"),
    ("iloveyouiloveyou", "most commonly used"),
    ("Qwertyuiop!!", "most commonly used"),
    ("123456789012", "most commonly used"),
    ("abcabcabcabc", "most commonly used"),
    ("newstarter@trust.example", "your name or your email"),
    ("Newstarter2026 rocks", "your name or your email"),
    ("Priya Patel the great", "your name or your email"),
]


@pytest.mark.parametrize(("password", "rule"), REFUSED)
def test_weak_passwords_are_refused_naming_the_rule(hub: Hub, password: str, rule: str) -> None:
    token, _ = hub.gov.access.issue_token(
        SYSTEM, hub.network.admin.person_id, "t", frozenset({Scope.GOVERNANCE_WRITE}), timedelta(days=1)
    )
    body = {
        "email": "newstarter@trust.example",
        "display_name": "Priya Patel",
        "organisation_id": hub.network.researcher.organisation_id,
        "password": password,
    }
    answer = hub.client().post("/api/governance/people", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400, answer.text
    assert rule in answer.json()["detail"]
    assert password.strip() not in answer.text or len(password.strip()) <= 1
    assert hub.gov.directory.person_by_email("newstarter@trust.example") is None, "nothing partial is stored"


def test_changing_a_password_applies_the_same_rules(hub: Hub) -> None:
    researcher = hub.network.researcher
    for weak, rule in (("res@uni.example!!", "your name or your email"), ("Researcher-2026", "your name"),
                       ("football2026", "most commonly used")):
        with pytest.raises(InvalidInput, match=rule) as refused:
            hub.gov.directory.set_password(researcher, researcher.person_id, weak)
        assert weak not in str(refused.value)
    hub.gov.directory.set_password(researcher, researcher.person_id, "granite kettle under moonlight")


def test_a_long_unusual_passphrase_is_accepted(hub: Hub) -> None:
    person = hub.gov.directory.create_person(
        SYSTEM, "someone@uni.example", "Sam One", hub.network.researcher.organisation_id, "velvet otter rides trams"
    )
    assert person.password_hash and "velvet" not in person.password_hash


def test_the_shipped_deny_list_is_the_documented_size() -> None:
    common = common_passwords()
    assert len(common) == 10_000
    assert {"password", "123456", "qwerty", "letmein", "trustno1"} <= common
