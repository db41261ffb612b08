"""The routes spokes call, attacked as issue 20 found them open, over the real governed HTTP app: another
site's token, a forged site_id, a mismatched participant. Every withdrawal and every report is audited,
refusals included (items 3, 4, 12 and 16)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import SYSTEM, AuditFilter, Governance, Scope, SettableClock


@pytest.fixture()
def hub(tmp_path: Path) -> Iterator[Hub]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'gov.sqlite3'}", SettableClock(START))
    built = build_hub(gov, tmp_path / "archive")
    # A second site's spoke: RYY takes part in LUNG1 too, so its token may write into LUNG1.
    ryy = gov.directory.create_person(SYSTEM, "sdm@ryy.example", "Ria Manager", built.network.admin.organisation_id)
    gov.directory.grant(SYSTEM, ryy.id, "site_data_manager", site_code="RYY")
    try:
        yield built
    finally:
        built.archive.close()
        gov.close()


def spoke(hub: Hub, email: str) -> TestClient:
    """A client holding the spoke token (dicom:write) of the person with this e-mail."""
    person = hub.gov.directory.person_by_email(email)
    assert person is not None
    token, _ = hub.gov.access.issue_token(SYSTEM, person.id, "spoke", frozenset({Scope.DICOM_WRITE}),
                                         timedelta(days=1))
    client = TestClient(hub.app, follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def lung_study(hub: Hub) -> tuple[str, str]:
    """LUNG1's study, sent by RXX: (study UID, its pseudonymised PatientID)."""
    study = hub.studies["LUNG1"]
    return study, hub.archive.instances(study)[0].patient_id


def audit(hub: Hub, action: str) -> list[Any]:
    """The trail's entries for ``action``, oldest first."""
    return sorted(hub.gov.audit.entries(AuditFilter(action=action)), key=lambda e: e.seq)


def detail(entry: Any) -> dict[str, Any]:
    return dict(json.loads(entry.detail)) if isinstance(entry.detail, str) else dict(entry.detail)


def withdrawal(site: str, participant: str, studies: list[str], project: str = "LUNG1") -> dict[str, Any]:
    return {"json": {"site_id": site, "project_id": project, "participant_id": participant, "study_uids": studies}}


def test_the_sending_site_withdraws_and_it_is_audited(hub: Hub) -> None:
    study, participant = lung_study(hub)
    answer = spoke(hub, "sdm@rxx.example").post("/spokes/withdrawals", **withdrawal("RXX", participant, [study]))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"removed_instances": 2, "removed_studies": [study]}
    assert hub.archive.instances(study) == []
    (entry,) = audit(hub, "spoke.withdrawal")
    assert (entry.outcome, entry.project, entry.entity_id) == ("success", "LUNG1", participant)
    assert entry.actor.startswith("sdm@rxx.example")
    assert detail(entry)["site"] == "RXX" and detail(entry)["studies"] == [study]
    assert detail(entry)["instances_removed"] == 2


def test_another_sites_token_cannot_withdraw_under_the_senders_site_id(hub: Hub) -> None:
    study, participant = lung_study(hub)
    answer = spoke(hub, "sdm@ryy.example").post("/spokes/withdrawals", **withdrawal("RXX", participant, [study]))
    assert answer.status_code == 403 and "site RXX" in answer.json()["detail"]
    assert len(hub.archive.instances(study)) == 2
    (entry,) = audit(hub, "spoke.withdrawal")
    assert entry.outcome == "denied" and entry.actor.startswith("sdm@ryy.example")
    assert detail(entry)["instances_removed"] == 0


def test_another_site_naming_the_senders_study_under_its_own_site_id_removes_nothing(hub: Hub) -> None:
    study, participant = lung_study(hub)
    attacker = spoke(hub, "sdm@ryy.example")
    named = attacker.post("/spokes/withdrawals", **withdrawal("RYY", participant, [study]))
    assert named.status_code == 403 and "did not send" in named.json()["detail"]
    # Without naming it, the participant's search finds RXX's study and leaves it alone.
    searched = attacker.post("/spokes/withdrawals", **withdrawal("RYY", participant, []))
    assert searched.status_code == 200 and searched.json() == {"removed_instances": 0, "removed_studies": []}
    assert len(hub.archive.instances(study)) == 2
    denied, allowed = audit(hub, "spoke.withdrawal")
    assert denied.outcome == "denied" and detail(denied)["studies"] == [study]
    assert allowed.outcome == "success" and detail(allowed)["left_for_other_sites"] == 1


def test_a_mismatched_participant_removes_nothing(hub: Hub) -> None:
    study, _ = lung_study(hub)
    answer = spoke(hub, "sdm@rxx.example").post("/spokes/withdrawals", **withdrawal("RXX", "LUNG1-999", [study]))
    assert answer.status_code == 403
    assert len(hub.archive.instances(study)) == 2
    assert [e.outcome for e in audit(hub, "spoke.withdrawal")] == ["denied"]


def test_a_project_the_site_does_not_take_part_in_is_refused_and_audited(hub: Hub) -> None:
    brain = hub.studies["BRAIN2"]
    participant = hub.archive.instances(brain)[0].patient_id
    answer = spoke(hub, "sdm@rxx.example").post(
        "/spokes/withdrawals", **withdrawal("RYY", participant, [brain], project="BRAIN2"))
    assert answer.status_code == 403
    assert len(hub.archive.instances(brain)) == 2
    (entry,) = audit(hub, "spoke.withdrawal")
    assert (entry.outcome, entry.project) == ("denied", "BRAIN2")


def report(site: str, study: str, participant: str = "LUNG1-001", **counts: Any) -> dict[str, Any]:
    return {"json": {"site_id": site, "studies": [
        {"project_id": "LUNG1", "participant_id": participant, "study_uid": study, **counts}]}}


def test_a_spoke_cannot_file_a_report_under_another_sites_id(hub: Hub) -> None:
    study, _ = lung_study(hub)
    forged = spoke(hub, "sdm@ryy.example").post("/spokes/reconciliation", **report(
        "RXX", study, expected_instances=2, received=2, failed=2, failures={"forged": 2}))
    assert forged.status_code == 403 and "site RXX" in forged.json()["detail"]
    reader = spoke(hub, "sdm@rxx.example")
    assert reader.post("/spokes/reconciliation", **report("RXX", study, expected_instances=2, received=2,
                                                           deidentified=2, delivered=2, acknowledged=2)).is_success
    entries = audit(hub, "spoke.reconciliation.report")
    assert [(e.outcome, e.entity_id, e.actor.split(" ")[0]) for e in entries] == [
        ("denied", "RXX", "sdm@ryy.example"), ("success", "RXX", "sdm@rxx.example")]
    page = hub.client("admin@network.example").get("/reconciliation").text
    assert "forged" not in page


def test_reconciliation_reads_are_audited(hub: Hub) -> None:
    client = TestClient(hub.app, follow_redirects=False)
    researcher = hub.client("res@uni.example")
    assert researcher.get("/spokes/reconciliation", params={"project": "LUNG1"}).status_code == 200
    (entry,) = audit(hub, "spoke.reconciliation.view")
    assert (entry.outcome, entry.project, entry.actor) == ("success", "LUNG1", "res@uni.example")
    assert client.get("/spokes/reconciliation").status_code == 401  # anonymous: nothing shown
    client.headers["Authorization"] = "Bearer not-a-token"
    assert client.get("/spokes/reconciliation").status_code == 401
    assert [e.outcome for e in audit(hub, "session.authenticate")][-1] == "denied"  # a bad token is recorded
