"""Data-sharing agreements: the state machine, and expiry and termination taking effect at their moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imaging_hub.governance import SYSTEM, AgreementState, Forbidden, InvalidInput, InvalidTransition, SettableClock

from .network import Network


def state(network: Network) -> AgreementState:
    from imaging_hub.governance import effective_state

    return effective_state(network.gov.agreements.get(network.agreement), network.gov.clock())


def test_active_agreement_gives_researcher_the_project(network: Network) -> None:
    assert network.gov.authority.readable_projects(network.researcher) == {"LUNG1"}
    assert network.gov.authority.readable_projects(network.outsider) == frozenset()  # no agreement for them
    assert network.gov.authority.readable_projects(network.admin) == frozenset()  # admin runs, does not read


def test_expiry_takes_effect_at_the_exact_moment(network: Network, clock: SettableClock) -> None:
    ends = network.gov.agreements.get(network.agreement).ends_at
    clock.set(ends - timedelta(microseconds=1))
    assert state(network) == AgreementState.ACTIVE
    assert network.gov.authority.may_read(network.researcher, "LUNG1")
    clock.set(ends)
    assert state(network) == AgreementState.EXPIRED
    assert not network.gov.authority.may_read(network.researcher, "LUNG1")
    with pytest.raises(InvalidTransition, match="expired"):
        network.gov.agreements.decide(SYSTEM, network.agreement, "suspend")


def test_scheduled_termination_takes_effect_by_itself(network: Network, clock: SettableClock) -> None:
    at = clock() + timedelta(days=3)
    network.gov.agreements.terminate(SYSTEM, network.agreement, "Recipient withdrew", at=at)
    clock.set(at - timedelta(seconds=1))
    assert state(network) == AgreementState.ACTIVE
    clock.set(at)
    assert state(network) == AgreementState.TERMINATED
    assert not network.gov.authority.may_read(network.researcher, "LUNG1")


def test_suspend_resume_terminate_and_attest(network: Network) -> None:
    register = network.gov.agreements
    register.decide(network.admin, network.agreement, "suspend", "audit finding")
    assert state(network) == AgreementState.SUSPENDED
    assert not network.gov.authority.may_read(network.researcher, "LUNG1")
    register.decide(network.admin, network.agreement, "resume")
    assert network.gov.authority.may_read(network.researcher, "LUNG1")
    with pytest.raises(InvalidTransition, match="after it ends"):
        register.attest_deletion(network.admin, network.agreement, "J. Smith, DPO")
    register.terminate(network.admin, network.agreement, "Study complete")
    assert state(network) == AgreementState.TERMINATED
    with pytest.raises(InvalidTransition, match="terminated"):
        register.decide(network.admin, network.agreement, "activate")
    agreement = register.attest_deletion(network.admin, network.agreement, "J. Smith, DPO")
    assert agreement.deletion_attested_by == "J. Smith, DPO"
    assert agreement.deletion_attested_at == network.gov.clock()


def test_only_administrators_decide(network: Network) -> None:
    for who in (network.lead, network.researcher, network.auditor, network.site_manager):
        with pytest.raises(Forbidden):
            network.gov.agreements.decide(who, network.agreement, "suspend")
    denied = network.gov.audit.entries()
    assert denied[0].outcome == "denied" and denied[0].action == "agreement.suspend"


def test_agreement_not_yet_started_releases_nothing(network: Network, clock: SettableClock) -> None:
    uni = network.gov.directory.person(network.researcher.person_id).organisation_id
    network.gov.agreements.create(
        SYSTEM,
        "DSA-FUTURE",
        uni,
        ["BRAIN2"],
        "Atlas",
        ["imaging"],
        starts_at=clock() + timedelta(days=2),
        ends_at=clock() + timedelta(days=10),
    )
    network.gov.agreements.decide(SYSTEM, "DSA-FUTURE", "activate")
    network.gov.directory.grant(SYSTEM, network.researcher.person_id, "researcher", project_code="BRAIN2")
    researcher = network.refresh(network.researcher)
    assert "BRAIN2" not in network.gov.authority.readable_projects(researcher)
    clock.advance(timedelta(days=2))
    assert "BRAIN2" in network.gov.authority.readable_projects(researcher)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"permitted_data": ["genomes"]}, "permitted data"),
        ({"project_codes": []}, "at least one project"),
        ({"purpose": " "}, "purpose"),
        ({"ends_delta": -1}, "end after it starts"),
        ({"reference": "bad ref!"}, "reference"),
    ],
)
def test_bad_agreements_are_refused_by_name(network: Network, change: dict, message: str) -> None:
    change = dict(change)
    now = network.gov.clock()
    args = {
        "reference": "DSA-X",
        "organisation_id": network.researcher.organisation_id,
        "project_codes": ["LUNG1"],
        "purpose": "p",
        "permitted_data": ["imaging"],
        "starts_at": now,
        "ends_at": now + timedelta(days=change.pop("ends_delta", 1)),
    }
    args.update(change)
    with pytest.raises(InvalidInput, match=message):
        network.gov.agreements.create(SYSTEM, **args)
    assert [a.reference for a in network.gov.agreements.visible(network.admin)] == [network.agreement]


def test_expiring_soon_lists_agreements_near_their_end(network: Network, clock: SettableClock) -> None:
    assert [a.reference for a in network.gov.agreements.expiring_soon(network.admin, timedelta(days=60))] == [
        network.agreement
    ]
    assert network.gov.agreements.expiring_soon(network.admin, timedelta(days=7)) == []
    clock.advance(timedelta(days=31))
    assert network.gov.agreements.expiring_soon(network.admin, timedelta(days=60)) == []
