"""The audit trail: every change and refusal recorded; altering, removing or reordering an entry is detected
and the entry named; export as FHIR AuditEvent."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from imaging_hub.governance import AuditFilter, AuditRecord, Forbidden, Governance, to_fhir_bundle

from .network import Network


def write_entries(gov: Governance, count: int) -> None:
    for n in range(count):
        gov.audit.record(
            AuditRecord(
                actor="res@uni.example",
                action="dicom.read",
                entity_type="instance",
                entity_id=f"1.2.826.0.1.{n}",
                project="LUNG1",
                purpose="research",
                address="10.0.0.5",
            )
        )


def bypass_append_only(gov: Governance) -> None:
    """What an attacker with database rights does first: drop the triggers that refuse edits."""
    with gov.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE gov_audit DISABLE TRIGGER gov_audit_append_only"))
        else:
            conn.execute(text("DROP TRIGGER gov_audit_no_update"))
            conn.execute(text("DROP TRIGGER gov_audit_no_delete"))


def tamper(gov: Governance, *statements: str) -> None:
    bypass_append_only(gov)
    with gov.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_intact_chain_verifies(gov: Governance) -> None:
    write_entries(gov, 6)
    report = gov.verify_audit()
    assert report.ok and report.checked == 6 and report.head_seq == 6


def test_database_refuses_edits_to_the_trail(gov: Governance) -> None:
    write_entries(gov, 2)
    with pytest.raises(Exception, match="append-only"), gov.engine.begin() as conn:
        conn.execute(text("UPDATE gov_audit SET actor = 'someone else' WHERE seq = 1"))
    with pytest.raises(Exception, match="append-only"), gov.engine.begin() as conn:
        conn.execute(text("DELETE FROM gov_audit WHERE seq = 2"))
    assert gov.verify_audit().ok


def test_altered_entry_is_named(gov: Governance) -> None:
    write_entries(gov, 6)
    tamper(gov, "UPDATE gov_audit SET outcome = 'denied' WHERE seq = 3")
    report = gov.verify_audit()
    assert not report.ok
    assert report.problems == ["entry 3 altered: its content does not match its hash"]


def test_altered_detail_is_named(gov: Governance) -> None:
    write_entries(gov, 4)
    tamper(gov, "UPDATE gov_audit SET entity_id = '1.2.3' WHERE seq = 2")
    assert gov.verify_audit().problems == ["entry 2 altered: its content does not match its hash"]


def test_removed_entry_is_named(gov: Governance) -> None:
    write_entries(gov, 6)
    tamper(gov, "DELETE FROM gov_audit WHERE seq = 4")
    problems = gov.verify_audit().problems
    assert any(p.startswith("entry 4 removed") for p in problems), problems


def test_removed_last_entry_is_detected_by_the_head(gov: Governance) -> None:
    write_entries(gov, 5)
    tamper(gov, "DELETE FROM gov_audit WHERE seq = 5")
    problems = gov.verify_audit().problems
    assert any("records entry 5 as the last" in p for p in problems), problems


def test_reordered_entries_are_named(gov: Governance) -> None:
    write_entries(gov, 6)
    tamper(
        gov,
        "UPDATE gov_audit SET seq = 1000 WHERE seq = 2",
        "UPDATE gov_audit SET seq = 2 WHERE seq = 5",
        "UPDATE gov_audit SET seq = 5 WHERE seq = 1000",
    )
    problems = gov.verify_audit().problems
    assert "entry 2 reordered: it was written as entry 5" in problems
    assert "entry 5 reordered: it was written as entry 2" in problems


def test_rehashed_forgery_is_caught_by_the_link(gov: Governance) -> None:
    """Someone who alters an entry and recomputes its hash still breaks the next entry's link."""
    write_entries(gov, 4)
    entry = gov.audit.all_in_order()[1]
    from imaging_hub.governance.audit.chain import compute_hash

    entry.outcome = "denied"
    forged = compute_hash(entry)
    tamper(gov, f"UPDATE gov_audit SET outcome = 'denied', entry_hash = '{forged}' WHERE seq = 2")
    problems = gov.verify_audit().problems
    assert problems == ["entry 3 out of place: it was written after an entry that is no longer present"]


def test_governance_changes_and_refusals_are_audited(network: Network) -> None:
    actions = [(e.action, e.outcome) for e in network.gov.audit.entries()]
    assert ("agreement.activate", "success") in actions
    assert ("membership.create", "success") in actions
    with pytest.raises(Forbidden):
        network.gov.projects.create(network.researcher, "NEW1", "Not allowed")
    latest = network.gov.audit.entries()[0]
    assert (latest.action, latest.outcome, latest.actor) == ("project.create", "denied", "res@uni.example")
    assert network.gov.verify_audit().ok


def test_fhir_audit_event_export(gov: Governance) -> None:
    write_entries(gov, 2)
    bundle = to_fhir_bundle(gov.audit.all_in_order())
    assert bundle["resourceType"] == "Bundle" and bundle["total"] == 2
    event = bundle["entry"][0]["resource"]
    assert event["resourceType"] == "AuditEvent"
    assert event["type"]["code"] == "110103"  # DICOM Instances Accessed
    assert event["action"] == "R" and event["outcome"] == "0"
    assert event["agent"][0]["network"]["address"] == "10.0.0.5"
    assert event["purposeOfEvent"] == [{"text": "research"}]
    assert event["entity"][0]["what"]["identifier"]["value"] == "1.2.826.0.1.0"
    assert event["recorded"].endswith("Z")
    json.dumps(bundle)  # serialisable as is


def test_pages_of_entries_stay_put_while_entries_arrive(gov: Governance) -> None:
    write_entries(gov, 5)
    first = gov.audit.entries(AuditFilter(limit=2))
    assert [e.seq for e in first] == [5, 4]
    write_entries(gov, 3)  # new entries arrive between one page and the next
    second = gov.audit.entries(AuditFilter(limit=2, before=first[-1].seq))
    assert [e.seq for e in second] == [3, 2]
    assert [e.seq for e in gov.audit.entries(AuditFilter(limit=5, before=2))] == [1]
