"""Passwords (argon2), sessions and scoped, expiring, hashed API tokens; DICOM peers mapped to accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from imaging_hub.governance import SYSTEM, Forbidden, InvalidInput, Scope, SettableClock, Unauthenticated
from imaging_hub.governance.passwords import hash_password, verify_password
from imaging_hub.governance.tables import ApiToken, Person, WebSession

from .network import PASSWORD, Network


def test_passwords_are_argon2id_and_verified() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)
    with pytest.raises(InvalidInput, match="at least 12"):
        hash_password("short")


def test_sign_in_stores_only_hashes(network: Network) -> None:
    secret, principal = network.gov.access.sign_in("RES@uni.example", PASSWORD, "10.1.1.1")
    assert principal.email == "res@uni.example"
    with network.gov.context.reading() as session:
        stored = session.scalars(select(WebSession.token_hash)).all()
        person = session.scalar(select(Person).where(Person.email == "res@uni.example"))
    assert secret not in stored and len(stored) == 1
    assert person is not None and PASSWORD not in (person.password_hash or "")
    assert network.gov.access.session_principal(secret).person_id == principal.person_id


def test_wrong_password_is_refused_and_audited_without_the_name(network: Network) -> None:
    with pytest.raises(Unauthenticated, match="not recognised"):
        network.gov.access.sign_in("res@uni.example", "wrong password here", "10.1.1.1")
    with pytest.raises(Unauthenticated):
        network.gov.access.sign_in("nobody@uni.example", PASSWORD)
    entry = network.gov.audit.entries()[0]
    assert (entry.action, entry.outcome, entry.actor) == ("session.login", "denied", "anonymous")
    assert "res@" not in entry.detail


def test_session_expires(network: Network, clock: SettableClock) -> None:
    secret, _ = network.gov.access.sign_in("res@uni.example", PASSWORD)
    clock.advance(timedelta(hours=8))
    with pytest.raises(Unauthenticated, match="expired"):
        network.gov.access.session_principal(secret)


def test_sign_out_ends_the_session(network: Network) -> None:
    secret, principal = network.gov.access.sign_in("res@uni.example", PASSWORD)
    network.gov.access.sign_out(secret, principal)
    with pytest.raises(Unauthenticated):
        network.gov.access.session_principal(secret)


def test_deactivated_account_loses_access_at_once(network: Network) -> None:
    secret, _ = network.gov.access.sign_in("res@uni.example", PASSWORD)
    network.gov.directory.deactivate(network.admin, network.researcher.person_id)
    with pytest.raises(Unauthenticated):
        network.gov.access.session_principal(secret)
    with pytest.raises(Unauthenticated):
        network.gov.access.sign_in("res@uni.example", PASSWORD)


def test_token_is_scoped_hashed_and_expires(network: Network, clock: SettableClock) -> None:
    token, row = network.gov.access.issue_token(
        network.admin,
        network.researcher.person_id,
        "nodule model runner",
        frozenset({Scope.DICOM_READ}),
        timedelta(days=7),
    )
    with network.gov.context.reading() as session:
        stored = session.scalar(select(ApiToken).where(ApiToken.key_id == row.key_id))
    assert stored is not None and token.split("_", 2)[2] not in stored.secret_hash
    principal = network.gov.access.token_principal(token)
    assert principal.via == "token" and principal.scopes == {Scope.DICOM_READ}
    assert network.gov.authority.readable_projects(principal) == {"LUNG1"}
    assert not principal.may(Scope.GOVERNANCE_WRITE)
    with pytest.raises(Forbidden):  # the token cannot do what its scope leaves out
        network.gov.access.issue_token(principal, principal.person_id, "more", frozenset(Scope), timedelta(days=1))
    clock.set(row.expires_at - timedelta(microseconds=1))
    network.gov.access.token_principal(token)
    clock.set(row.expires_at)
    with pytest.raises(Unauthenticated, match="expired"):
        network.gov.access.token_principal(token)


def test_write_only_token_reads_nothing(network: Network) -> None:
    token, _ = network.gov.access.issue_token(
        network.admin, network.site_manager.person_id, "RXX spoke", frozenset({Scope.DICOM_WRITE}), timedelta(days=1)
    )
    spoke = network.gov.access.token_principal(token)
    assert network.gov.authority.readable_projects(spoke) == frozenset()
    assert network.gov.authority.writable_projects(spoke) == {"LUNG1"}


def test_revoked_forged_and_malformed_tokens_are_refused(network: Network) -> None:
    token, row = network.gov.access.issue_token(
        network.admin, network.researcher.person_id, "runner", frozenset({Scope.DICOM_READ}), timedelta(days=1)
    )
    with pytest.raises(Unauthenticated, match="not recognised"):
        network.gov.access.token_principal(token[:-2] + "xx")
    with pytest.raises(Unauthenticated, match="not an Imaging Hub"):
        network.gov.access.token_principal("Bearer nonsense")
    network.gov.access.revoke_token(network.researcher, row.key_id)
    with pytest.raises(Unauthenticated, match="revoked"):
        network.gov.access.token_principal(token)


def test_token_requests_are_checked(network: Network) -> None:
    with pytest.raises(InvalidInput, match="lifetime"):
        network.gov.access.issue_token(SYSTEM, network.researcher.person_id, "x", frozenset(Scope), timedelta(days=400))
    with pytest.raises(InvalidInput, match="scope"):
        network.gov.access.issue_token(SYSTEM, network.researcher.person_id, "x", frozenset(), timedelta(days=1))
    with pytest.raises(Forbidden):  # a researcher cannot mint tokens for someone else
        network.gov.access.issue_token(
            network.researcher, network.lead.person_id, "x", frozenset({Scope.DICOM_READ}), timedelta(days=1)
        )


def test_dimse_peer_maps_to_account_by_ae_title_and_address(network: Network) -> None:
    network.gov.access.map_dimse_peer(network.admin, "RXX_SPOKE", "10.2.0.7", network.site_manager.person_id)
    network.gov.access.map_dimse_peer(network.admin, "UNI_WS", "*", network.researcher.person_id)
    spoke = network.gov.access.dimse_principal("RXX_SPOKE", "10.2.0.7")
    assert spoke.via == "dimse" and network.gov.authority.writable_projects(spoke) == {"LUNG1"}
    assert network.gov.access.dimse_principal("UNI_WS", "192.168.1.1").person_id == network.researcher.person_id
    with pytest.raises(Unauthenticated):
        network.gov.access.dimse_principal("RXX_SPOKE", "10.9.9.9")  # right AE, wrong address
    with pytest.raises(Unauthenticated):
        network.gov.access.dimse_principal("UNKNOWN", "10.2.0.7")
