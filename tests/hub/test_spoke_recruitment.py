"""The spokes' recruitment counts at the hub, over the real governed app: a spoke's courier sends its enrolment
counts with the heartbeat, the hub keeps the latest per site, project and month without auditing them (a change
of counts is no change of state), and ``/network/activity`` counts them as the site's recruitment, saying so;
a site that never reported keeps the first-arrival proxy. Hostile counts are refused whole, by field, audited."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydicom import dcmwrite

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.hub import spoke_recruitment
from imaging_hub.hub.tables import spoke_contact, spoke_enrolment
from imaging_hub.network.activity import RECRUITED_AT_HUB, RECRUITED_AT_SPOKE, ActivityRoom, Phase, PortfolioStudy
from imaging_hub.network.operations import Actor
from imaging_hub.spoke import (
    OptOutPolicy,
    ProjectSettings,
    ReconciliationAnswer,
    ReconciliationReport,
    SpokeHeartbeat,
    SubjectHasher,
    connect,
    enrolment_counts,
)
from imaging_hub.spoke.delivery.courier import Courier
from imaging_hub.spoke.participants.enrolment import load_enrolment, parse_enrolment_csv
from imaging_hub.spoke.settings import HubLink
from imaging_hub.spoke.tables import participant

STUDY = PortfolioStudy("312345", "54321", "Lung nodule AI", "University", "Prof CI", Phase.NOT_APPLICABLE, "LUNG1",
                       frozenset({"RXX", "RYY"}), ("baseline", "month-6"))
BEAT = {"site_id": "RXX", "backlog": {"queued": 1}, "accepting": True, "version": "0.1.0"}


@pytest.fixture()
def hub(tmp_path: Path) -> Iterator[Hub]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'gov.sqlite3'}", SettableClock(START))
    built = build_hub(gov, tmp_path / "archive")
    yield built
    built.archive.close()
    gov.close()


def _beats(hub: Hub, outcome: str) -> list[Any]:
    entries = hub.gov.audit.entries(AuditFilter(action="spoke.heartbeat", limit=1000))
    return [e for e in entries if e.outcome == outcome]


def _stored(hub: Hub) -> list[tuple[str, str, str, int]]:
    with hub.archive.database.reading() as conn:
        return [tuple(r) for r in conn.execute(sa.select(  # type: ignore[misc]
            spoke_enrolment.c.site_id, spoke_enrolment.c.project_id, spoke_enrolment.c.month,
            spoke_enrolment.c.participants).order_by(spoke_enrolment.c.month))]


def _count(month: str = "2025-03", participants: Any = 2, project: str = "LUNG1") -> dict[str, Any]:
    return {"project_id": project, "month": month, "participants": participants}


def test_counts_are_kept_replaced_whole_and_never_audited_on_their_own(hub: Hub) -> None:
    manager = hub.client("sdm@rxx.example")
    assert manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": [_count()]}).status_code == 204
    assert _stored(hub) == [("RXX", "LUNG1", "2025-03", 2)]
    for n in range(3, 13):  # recruitment goes on: new counts, the same state
        counts = [_count(), _count("2025-04", n)]
        assert manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": counts}).status_code == 204
    assert _stored(hub) == [("RXX", "LUNG1", "2025-03", 2), ("RXX", "LUNG1", "2025-04", 12)]
    assert len(_beats(hub, "success")) == 1  # the first contact only
    # an older spoke's heartbeat (no field) keeps the counts; an empty list says none are enrolled
    assert manager.post("/spokes/heartbeat", json=BEAT).status_code == 204
    assert len(_stored(hub)) == 2
    assert manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": []}).status_code == 204
    assert _stored(hub) == [] and spoke_recruitment(hub.archive).sites == {"RXX"}
    assert len(_beats(hub, "success")) == 1


class Writes(list[tuple[str, int]]):
    """What reached the database: (statement verb and table, rows) for each write, and the commits."""

    commits = 0

    def statement(self, _conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool) -> None:
        verb, *_ = sql.split(None, 1)
        table = next((t for t in ("hub_spoke_enrolment", "hub_spoke_contact") if t in sql), None)
        if verb.upper() in {"INSERT", "UPDATE", "DELETE"} and table:
            self.append((f"{verb.upper()} {table}", len(params) if many else 1))

    def commit(self, _conn: Any) -> None:
        self.commits += 1


@pytest.fixture()
def writes(hub: Hub) -> Iterator[Writes]:
    found, engine = Writes(), hub.archive.database.writer
    sa.event.listen(engine, "before_cursor_execute", found.statement)
    sa.event.listen(engine, "commit", found.commit)
    yield found
    sa.event.remove(engine, "before_cursor_execute", found.statement)
    sa.event.remove(engine, "commit", found.commit)


def test_a_repeated_heartbeat_writes_no_counts_and_a_change_writes_only_what_changed(
    hub: Hub, writes: Writes
) -> None:
    manager = hub.client("sdm@rxx.example")
    first = [_count("2025-03", 2), _count("2025-04", 5), _count("2025-05", 1)]
    assert manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": first}).status_code == 204
    writes.clear()
    writes.commits = 0
    for _ in range(3):  # a steady spoke: the same counts on every beat
        assert manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": first[::-1]}).status_code == 204
    assert writes == [("UPDATE hub_spoke_contact", 1)] * 3  # its last contact only
    assert writes.commits == 3  # one transaction a beat
    assert _stored(hub) == [("RXX", "LUNG1", "2025-03", 2), ("RXX", "LUNG1", "2025-04", 5),
                            ("RXX", "LUNG1", "2025-05", 1)]

    writes.clear()
    writes.commits = 0
    # 2025-03 unchanged, 2025-04 drops to zero, 2025-05 is no longer reported, 2025-06 is new
    changed = [_count("2025-03", 2), _count("2025-04", 0), _count("2025-06", 4)]
    assert manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": changed}).status_code == 204
    assert sorted(writes) == [("DELETE hub_spoke_enrolment", 1), ("INSERT hub_spoke_enrolment", 1),
                              ("UPDATE hub_spoke_contact", 1), ("UPDATE hub_spoke_enrolment", 1)]
    assert writes.commits == 1
    assert _stored(hub) == [("RXX", "LUNG1", "2025-03", 2), ("RXX", "LUNG1", "2025-04", 0),
                            ("RXX", "LUNG1", "2025-06", 4)]
    assert spoke_recruitment(hub.archive).sites == {"RXX"}


HOSTILE: list[tuple[Any, str]] = [
    ([_count(participants=-1)], "participants"),
    ([_count(participants=10**12)], "participants"),
    ([_count(participants=2.5)], "participants"),
    ([_count(participants="7")], "participants"),
    ([_count(participants=True)], "participants"),
    ([_count("2025-13")], "month"),
    ([_count("2025-1")], "month"),
    ([_count("0000-01")], "month"),
    ([_count("2025-03<script>")], "month"),
    ([_count(project="LUNG 1; DROP")], "project_id"),
    ([_count(project="x" * 65)], "project_id"),
    ([{**_count(), "participant_id": "LUNG1-001"}], "participant_id"),  # identifiers have no place here
    ([_count(), _count()], "enrolled"),  # one month twice
    ([_count(f"{2000 + i // 12}-{i % 12 + 1:02d}", 1) for i in range(2001)], "enrolled"),  # too many entries
    ({"LUNG1": 3}, "enrolled"),
]


@pytest.mark.parametrize(("enrolled", "field"), HOSTILE)
def test_hostile_counts_are_refused_by_field_audited_and_nothing_is_stored(
    hub: Hub, enrolled: Any, field: str
) -> None:
    manager = hub.client("sdm@rxx.example")
    answer = manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": enrolled})
    assert answer.status_code == 422
    assert field in answer.text
    assert _stored(hub) == []
    with hub.archive.database.reading() as conn:
        assert conn.execute(sa.select(spoke_contact)).first() is None  # not even the contact
    (refused,) = _beats(hub, "denied")
    assert "invalid fields" in json.loads(refused.detail)["reason"]


@pytest.mark.parametrize("project", ["BRAIN2", "NOSUCH"])  # another site's project; no project at all
def test_a_project_the_site_does_not_take_part_in_is_refused_and_audited(hub: Hub, project: str) -> None:
    manager = hub.client("sdm@rxx.example")
    counts = [_count(), _count(project=project)]
    answer = manager.post("/spokes/heartbeat", json={**BEAT, "enrolled": counts})
    assert answer.status_code == 422 and "enrolled[1].project_id" in answer.text
    assert _stored(hub) == []
    (refused,) = _beats(hub, "denied")
    assert refused.entity_id == "RXX" and project in json.loads(refused.detail)["reason"]


class ThroughTestClient:
    """The courier's hub client, speaking to the app in-process as the site's data manager."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.answered = 0
        self.sent: list[dict[str, Any]] = []

    def beat(self, heartbeat: SpokeHeartbeat) -> None:
        body = heartbeat.model_dump(mode="json")
        self.sent.append(body)
        assert self._client.post("/spokes/heartbeat", json=body).status_code == 204
        self.answered += 1

    def reconcile(self, report: ReconciliationReport) -> ReconciliationAnswer:
        self.answered += 1
        return ReconciliationAnswer.model_validate(
            self._client.post("/spokes/reconciliation", json=report.model_dump(mode="json")).json())


def _arrival_at_ryy(hub: Hub) -> None:
    """A LUNG1 participant's baseline study sent by RYY, whose spoke has never reported counts."""
    patient = SyntheticPatient.make(random.Random(43), site_prefix="RYY")
    for ds in make_study(patient, StudySpec(series=1, instances_per_series=1, rows=8, columns=8), seed=43):
        ds.ClinicalTrialProtocolID, ds.ClinicalTrialSiteID = "LUNG1", "RYY"
        ds.ClinicalTrialTimePointID, ds.ClinicalTrialSubjectID = "baseline", "LUNG1-043"
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        hub.archive.store_bytes(buffer.getvalue())


def _rows(html: str) -> list[list[str]]:
    body = re.search(r'<table[^>]*id="activity-rows".*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    assert body
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


def test_a_spokes_enrolment_is_the_sites_recruitment_on_the_activity_page(
    hub: Hub, tmp_path: Path
) -> None:
    ActivityRoom.open(hub.archive.database.writer).put_study(Actor("setup", manager=True), STUDY)
    _arrival_at_ryy(hub)
    admin = hub.client("admin@network.example")
    before = [r for r in _rows(admin.get("/network/activity").text) if r[0] == "312345"]
    assert {r[6] for r in before} == {RECRUITED_AT_HUB}  # no spoke has reported: the proxy everywhere
    # RXX's spoke: five enrolled in March and April, one withdrawn; a project it is not configured for
    conn = connect(tmp_path / "spoke")
    listed = "participant_id,local_patient_id\n" + "".join(f"LUNG1-{n:03d},MRN{n:03d}\n" for n in range(1, 6))
    load_enrolment(conn, "LUNG1", parse_enrolment_csv(listed, "LUNG1"))
    load_enrolment(conn, "OTHER", parse_enrolment_csv(listed, "OTHER"))
    for n, day in enumerate([dt.date(2025, 3, 3)] * 2 + [dt.date(2025, 4, 9)] * 3, start=1):
        at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC).timestamp()
        conn.execute(sa.update(participant).where(participant.c.participant_id == f"LUNG1-{n:03d}")
                     .values(enrolled_at=at))
    conn.execute(sa.update(participant).where(participant.c.participant_id == "LUNG1-005")
                 .values(withdrawn_at=1.0))
    projects = {"LUNG1": ProjectSettings(id="LUNG1", key_file=tmp_path / "key", opt_out=OptOutPolicy.CONSENT,
                                         opt_out_basis="consent on record")}
    hasher = SubjectHasher.for_data_dir(tmp_path / "spoke")
    client = ThroughTestClient(hub.client("sdm@rxx.example"))
    link = HubLink(url="https://hub.invalid", token="t" * 32, reconcile_interval_s=3600.0)
    courier = Courier(conn, client, link, "RXX",  # type: ignore[arg-type]  # the client's duck type
                      enrolment=lambda c: enrolment_counts(c, projects, hasher))
    try:
        courier.step()
    finally:
        conn.close()
    (sent,) = client.sent
    assert sent["enrolled"] == [_count("2025-03", 2), _count("2025-04", 2)]
    assert "MRN" not in json.dumps(sent) and "LUNG1-0" not in json.dumps(sent)
    page = admin.get("/network/activity")
    assert page.status_code == 200
    shown = [r for r in _rows(page.text) if r[0] == "312345"]
    rxx = {r[2]: (int(r[5]), r[6]) for r in shown if r[1] == "RXX"}
    assert rxx["2025-03"] == (2, RECRUITED_AT_SPOKE) and rxx["2025-04"] == (2, RECRUITED_AT_SPOKE)
    assert sum(n for n, _ in rxx.values()) == 4  # the hub's arrivals at RXX no longer stand in for enrolment
    ryy = [(int(r[5]), r[6]) for r in shown if r[1] == "RYY"]
    assert ryy == [(1, RECRUITED_AT_HUB)]  # the silent site: its participant's first study still counts
