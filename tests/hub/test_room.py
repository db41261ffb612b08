"""The hub room over its own tables in the index's database (SQLite and PostgreSQL): reports kept and
replaced, the view, StudyComplete announced once, and withdrawal's rules at the domain surface."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydicom import dcmread
from samples import study_parts

from imaging_hub.events import InstanceRemoved, StudyComplete
from imaging_hub.hub import AuditEntry, Caller, HubRoom, InvalidRequest, Refused
from imaging_hub.hub.tables import include_name, metadata, spoke_enrolment
from imaging_hub.spoke import EnrolmentCount, ReconciliationReport, SpokeHeartbeat, StudyReport, WithdrawalRequest
from imaging_hub.store import Archive

SPOKE = Caller("spoke RXX", projects=frozenset({"LUNG1"}), sites=frozenset({("LUNG1", "RXX")}))


def _stored(archive: Archive, seed: int, site: str = "RXX") -> tuple[str, str, dict[str, str]]:
    """A study sent by ``site``: (study UID, participant, SOP UID -> sha256)."""
    parts = study_parts(seed, instances=2, site=site)
    for part in parts:
        archive.store_bytes(part)
    first = dcmread(io.BytesIO(parts[0]))
    check = {str(dcmread(io.BytesIO(p)).SOPInstanceUID): hashlib.sha256(p).hexdigest() for p in parts}
    return str(first.StudyInstanceUID), str(first.PatientID), check


def _report(study: str, participant: str, check: dict[str, str], **counts: int) -> ReconciliationReport:
    return ReconciliationReport(site_id="RXX", studies=[StudyReport(
        project_id="LUNG1", participant_id=participant, study_uid=study, check=check, **counts)])


def test_the_rooms_tables_match_their_migration(archive: Archive) -> None:
    HubRoom.open(archive)
    HubRoom.open(archive)  # again: already current
    with archive.database.writer.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "alembic_version_hub",
                                                               "include_name": include_name})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == "hub_0003"
        assert "hub_spoke_report" in sa.inspect(conn).get_table_names()


def test_a_report_is_answered_kept_replaced_and_completes_once(archive: Archive, tmp_path: Path) -> None:
    entries: list[AuditEntry] = []
    room = HubRoom.open(archive, audit=entries.append)
    completed: list[StudyComplete] = []
    archive.events.subscribe(StudyComplete, completed.append)
    study, participant, check = _stored(archive, 1)
    counts = {"expected_instances": 2, "received": 2, "deidentified": 2, "delivered": 2}

    answer = room.reconciliation.receive(SPOKE, _report(study, participant, check, **counts))
    assert sorted(answer.studies[0].held) == sorted(check) and answer.studies[0].hub_instances == 2
    (event,) = completed
    assert (event.study_instance_uid, event.project, event.site, event.instances) == (study, "LUNG1", "RXX", 2)
    room.reconciliation.receive(SPOKE, _report(study, participant, {}, acknowledged=2, **counts))
    assert len(completed) == 1  # still complete: announced once

    view = room.reconciliation.view(SPOKE)
    assert view["summary"] == {"LUNG1/RXX": {"complete": 1, "incomplete": 0, "failed": 0}}
    (row,) = view["studies"]
    assert (row["status"], row["hub_instances"], row["acknowledged"]) == ("complete", 2, 2)
    assert [(e.action, e.outcome) for e in entries] == [("spoke.reconciliation.report", "success")] * 2 + [
        ("spoke.reconciliation.view", "success")]

    archive.delete(study, sop_instance_uid=next(iter(check)))  # the hub lost one: no longer complete
    (row,) = room.reconciliation.view(SPOKE)["studies"]
    assert (row["status"], row["hub_instances"]) == ("incomplete", 1)
    archive.close()
    reopened = Archive.open(archive.data_dir, str(archive.database.url))
    try:  # the reports outlive the process
        assert len(HubRoom.open(reopened).reconciliation.view(SPOKE)["studies"]) == 1
    finally:
        reopened.close()


def test_nothing_completes_while_the_hub_lacks_an_acknowledged_instance(archive: Archive) -> None:
    room = HubRoom.open(archive)
    completed: list[StudyComplete] = []
    archive.events.subscribe(StudyComplete, completed.append)
    study, participant, _ = _stored(archive, 2)
    room.reconciliation.receive(SPOKE, _report(study, participant, {}, expected_instances=3, received=3,
                                               deidentified=3, delivered=3, acknowledged=3))
    assert completed == []
    (row,) = room.reconciliation.view(SPOKE)["studies"]
    assert row["status"] == "incomplete" and "hub now holds 2 of 3" in row["detail"]


def test_reports_are_refused_outside_the_callers_site_and_projects(archive: Archive) -> None:
    entries: list[AuditEntry] = []
    room = HubRoom.open(archive, audit=entries.append)
    study, participant, check = _stored(archive, 3)
    forged = ReconciliationReport(site_id="RYY", studies=_report(study, participant, check).studies)
    with pytest.raises(Refused, match="site RYY"):
        room.reconciliation.receive(SPOKE, forged)
    with pytest.raises(Refused, match="site RYY"):
        room.reconciliation.receive(SPOKE, ReconciliationReport(site_id="RYY", studies=[]))
    other = ReconciliationReport(site_id="RXX", studies=[StudyReport(
        project_id="BRAIN2", participant_id="B-1", study_uid=study)])
    with pytest.raises(Refused, match="BRAIN2"):
        room.reconciliation.receive(SPOKE, other)
    with pytest.raises(InvalidRequest, match="site_id"):
        room.reconciliation.receive(SPOKE, ReconciliationReport(site_id="../RXX", studies=[]))
    assert [e.outcome for e in entries] == ["denied"] * 3
    assert room.reconciliation.view(SPOKE)["studies"] == []


def test_withdrawal_removes_only_what_the_site_sent_of_that_participant(archive: Archive) -> None:
    entries: list[AuditEntry] = []
    room = HubRoom.open(archive, audit=entries.append)
    removed: list[InstanceRemoved] = []
    archive.events.subscribe(InstanceRemoved, removed.append)
    mine, participant, _ = _stored(archive, 4)
    other_site, other_participant, _ = _stored(archive, 5, site="RYY")

    with pytest.raises(Refused, match="did not send"):
        room.withdrawals.withdraw(SPOKE, WithdrawalRequest(
            site_id="RXX", project_id="LUNG1", participant_id=other_participant, study_uids=[other_site]))
    with pytest.raises(Refused, match="did not send"):
        room.withdrawals.withdraw(SPOKE, WithdrawalRequest(
            site_id="RXX", project_id="LUNG1", participant_id="someone-else", study_uids=[mine]))
    assert removed == [] and len(archive.instances(other_site)) == 2

    answer = room.withdrawals.withdraw(SPOKE, WithdrawalRequest(
        site_id="RXX", project_id="LUNG1", participant_id=participant, study_uids=[mine]))
    assert (answer.removed_instances, answer.removed_studies) == (2, [mine])
    assert {e.origin.principal for e in removed if e.origin} == {"spoke RXX"} and len(removed) == 2
    again = room.withdrawals.withdraw(SPOKE, WithdrawalRequest(
        site_id="RXX", project_id="LUNG1", participant_id=participant, study_uids=[mine]))
    assert again.removed_instances == 0  # a retried request finds nothing left
    assert [(e.outcome, e.detail["instances_removed"]) for e in entries] == [
        ("denied", 0), ("denied", 0), ("success", 2), ("success", 0)]


def test_heartbeat_counts_are_written_only_where_they_changed(archive: Archive) -> None:
    """On SQLite and PostgreSQL: a repeated beat writes no count; a change updates, adds and removes months."""
    room = HubRoom.open(archive)
    writes: list[str] = []

    def seen(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        if "hub_spoke_enrolment" in sql and sql.split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(sql.split(None, 1)[0].upper())

    def beat(months: dict[str, int]) -> None:
        counts = [EnrolmentCount(project_id="LUNG1", month=m, participants=n) for m, n in months.items()]
        room.spokes.receive(SPOKE, SpokeHeartbeat(site_id="RXX", backlog={}, accepting=True, version="1",
                                                  enrolled=counts))

    def stored() -> dict[str, int]:
        with archive.database.reading() as conn:
            return {r.month: r.participants for r in conn.execute(sa.select(spoke_enrolment))}

    beat({"2025-03": 2, "2025-04": 5})
    sa.event.listen(archive.database.writer, "before_cursor_execute", seen)
    try:
        beat({"2025-04": 5, "2025-03": 2})
        assert writes == [] and stored() == {"2025-03": 2, "2025-04": 5}
        beat({"2025-03": 0, "2025-05": 1})  # March drops to zero, April is gone, May is new
        assert sorted(writes) == ["DELETE", "INSERT", "UPDATE"]
        assert stored() == {"2025-03": 0, "2025-05": 1}
    finally:
        sa.event.remove(archive.database.writer, "before_cursor_execute", seen)
