"""Recruitment from the spoke's enrolment lists: per project and month, counts only, sent with the heartbeat.

A real spoke process, enrolled from a CSV, reports its counts to a real hub; the heartbeat's payload names no
participant, patient or NHS number; withdrawn participants, those on the national data opt-out register (where
it applies) and projects the spoke is not configured for are left out, as the gatekeeper leaves their data.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from harness import HubProcess, SpokeProcess, TlsFiles, free_port, running, wait_for, write_spoke_config

from imaging_hub.config import HubSettings
from imaging_hub.spoke import (
    EnrolmentCount,
    OptOutPolicy,
    ProjectSettings,
    ReconciliationAnswer,
    ReconciliationReport,
    SpokeHeartbeat,
    SubjectHasher,
    connect,
    enrolment_counts,
    load_register_file,
    withdraw,
)
from imaging_hub.spoke.delivery.courier import Courier
from imaging_hub.spoke.participants.enrolment import load_enrolment, parse_enrolment_csv
from imaging_hub.spoke.settings import HubLink
from imaging_hub.spoke.tables import participant

NHS = ("9434765919", "9434765870", "9434765862", "9434765854")  # valid (modulus 11) test numbers
LIST = (
    "participant_id,local_patient_id,nhs_number\n"
    f"REC-001,MRN001,{NHS[0]}\nREC-002,MRN002,{NHS[1]}\nREC-003,MRN003,{NHS[2]}\nREC-004,MRN004,{NHS[3]}\n"
    "REC-005,MRN005,\n"
)


def _date(conn: Any, project: str, participant_id: str, day: dt.date) -> None:
    """As if the spoke had first seen them on its list that day (noon, so the UK month is the day's)."""
    at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC).timestamp()
    conn.execute(sa.update(participant).where(participant.c.project_id == project,
                                              participant.c.participant_id == participant_id).values(enrolled_at=at))


def _enrolled(conn: Any, project: str, days: dict[str, dt.date]) -> None:
    load_enrolment(conn, project, parse_enrolment_csv(LIST, project))
    for who, day in days.items():
        _date(conn, project, who, day)


MARCH, APRIL = dt.date(2025, 3, 10), dt.date(2025, 4, 2)
DAYS = {"REC-001": MARCH, "REC-002": MARCH, "REC-003": APRIL, "REC-004": APRIL, "REC-005": APRIL}


def _projects(key: Path) -> dict[str, ProjectSettings]:
    return {
        "REC1": ProjectSettings(id="REC1", key_file=key, opt_out=OptOutPolicy.CONSENT, opt_out_basis="consented"),
        "REC2": ProjectSettings(id="REC2", key_file=key),  # the opt-out applies
    }


def test_counts_per_month_leave_out_the_withdrawn_the_opted_out_and_unconfigured_projects(
    tmp_path: Path, project_key_file: Path
) -> None:
    conn = connect(tmp_path / "spoke")
    hasher = SubjectHasher.for_data_dir(tmp_path / "spoke")
    try:
        for project in ("REC1", "REC2", "OTHER"):
            _enrolled(conn, project, DAYS)
        withdraw(conn, "REC1", "REC-003")
        register = tmp_path / "opt-out.csv"
        register.write_text(f"nhs_number,checked_on\n{NHS[1]},2025-01-01\n")
        load_register_file(conn, register, hasher)
        counts = enrolment_counts(conn, _projects(project_key_file), hasher)
    finally:
        conn.close()
    assert [(c.project_id, c.month, c.participants) for c in counts] == [
        ("REC1", "2025-03", 2),  # consent: the opted-out REC-002 counts; REC-003 withdrew
        ("REC1", "2025-04", 2),
        ("REC2", "2025-03", 1),  # the opt-out applies: REC-002 is on the register
        ("REC2", "2025-04", 2),  # and REC-005 has no NHS number to check it by
    ]


def test_reloading_the_list_keeps_the_month_a_participant_was_first_seen(
    tmp_path: Path, project_key_file: Path
) -> None:
    conn = connect(tmp_path / "spoke")
    try:
        _enrolled(conn, "REC1", DAYS)
        load_enrolment(conn, "REC1", parse_enrolment_csv(LIST, "REC1"))  # the same list again, later
        counts = enrolment_counts(conn, _projects(project_key_file), SubjectHasher(b"k" * 32))
    finally:
        conn.close()
    assert {c.month: c.participants for c in counts} == {"2025-03": 2, "2025-04": 3}


class Recording:
    """The courier's hub client, keeping each heartbeat as the JSON it would send."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.answered = 0

    def beat(self, heartbeat: SpokeHeartbeat) -> None:
        self.sent.append(heartbeat.model_dump_json())
        self.answered += 1

    def reconcile(self, report: ReconciliationReport) -> ReconciliationAnswer:
        self.answered += 1
        return ReconciliationAnswer(studies=[])


def test_the_heartbeat_carries_counts_and_nothing_identifying(tmp_path: Path, project_key_file: Path) -> None:
    conn = connect(tmp_path / "spoke")
    hasher = SubjectHasher.for_data_dir(tmp_path / "spoke")
    projects = _projects(project_key_file)
    client = Recording()
    link = HubLink(url="https://hub.invalid", token="t" * 32, reconcile_interval_s=3600.0)
    try:
        _enrolled(conn, "REC1", DAYS)
        courier = Courier(conn, client, link, "RX1",  # type: ignore[arg-type]  # the client's duck type
                          enrolment=lambda c: enrolment_counts(c, projects, hasher))
        courier.step()
    finally:
        conn.close()
    (sent,) = client.sent
    payload = json.loads(sent)
    assert set(payload) == {"site_id", "backlog", "accepting", "version", "enrolled"}
    assert payload["enrolled"] == [{"project_id": "REC1", "month": "2025-03", "participants": 2},
                                   {"project_id": "REC1", "month": "2025-04", "participants": 3}]
    for value in (*NHS, "MRN00", "REC-00", hasher.hash(NHS[0])):
        assert value not in sent


def test_an_old_heartbeat_has_no_counts_and_a_bad_one_is_refused_before_it_leaves() -> None:
    assert SpokeHeartbeat(site_id="RX1").enrolled is None
    count = {"project_id": "REC1", "month": "2025-03", "participants": 1}
    with pytest.raises(ValueError, match="more than once"):
        SpokeHeartbeat(site_id="RX1", enrolled=[EnrolmentCount(**count), EnrolmentCount(**count)])


def _hub_counts(hub: HubProcess) -> list[tuple[str, str, str, int]]:
    engine = sa.create_engine(HubSettings(data=hub.data).database_url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("hub_spoke_enrolment"):
                return []
            rows = conn.execute(sa.text(
                "SELECT site_id, project_id, month, participants FROM hub_spoke_enrolment ORDER BY month")).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.slow
def test_a_running_spoke_reports_its_enrolment_to_the_hub(
    tmp_path: Path, tls: TlsFiles, project_key_file: Path
) -> None:
    hub = HubProcess(tmp_path / "hub", tls, ["RX1"], ["REC1"])
    hub.port = free_port()  # it goes into the spoke's configuration
    config = write_spoke_config(
        tmp_path / "spoke", site_id="RX1", hub=hub, dicom_port=free_port(),
        projects=[{"id": "REC1", "key_file": str(project_key_file), "opt_out": "consent",
                   "opt_out_basis": "consent on record"}],
    )
    enrolment = tmp_path / "enrol.csv"
    enrolment.write_text(LIST)
    subprocess.run([sys.executable, "-m", "imaging_hub", "spoke", "enrol", "REC1", str(enrolment), "--config",
                    str(config)], check=True, capture_output=True)
    conn = connect(tmp_path / "spoke" / "data")
    try:
        for who, day in DAYS.items():
            _date(conn, "REC1", who, day)
        withdraw(conn, "REC1", "REC-004")
    finally:
        conn.close()
    spoke = SpokeProcess(config)
    with running(hub, spoke):
        hub.start()
        spoke.start()
        wait_for(lambda: _hub_counts(hub), 90, what="the spoke's counts at the hub")
    assert _hub_counts(hub) == [("RX1", "REC1", "2025-03", 2), ("RX1", "REC1", "2025-04", 2)]
