"""Spoke health at the hub: the courier's heartbeat reaches ``POST /spokes/heartbeat`` and the network's
managers see on ``/spoke-health`` which spokes are up, their backlog and last contact. Only a caller that
speaks for the site may beat for it; only administrators and auditors see the page; all of it audited."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.hub import UP_WITHIN
from imaging_hub.hub.tables import spoke_contact
from imaging_hub.spoke import ReconciliationAnswer, ReconciliationReport, SpokeHeartbeat, connect
from imaging_hub.spoke.delivery.courier import Courier
from imaging_hub.spoke.settings import HubLink


@pytest.fixture()
def hub(tmp_path: Path) -> Iterator[Hub]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'gov.sqlite3'}", SettableClock(START))
    built = build_hub(gov, tmp_path / "archive")
    yield built
    built.archive.close()
    gov.close()


class ThroughTestClient:
    """The courier's hub client, speaking to the app in-process with the site data manager's session."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.answered = 0
        self.beats: list[int] = []

    def beat(self, heartbeat: SpokeHeartbeat) -> None:
        answer = self._client.post("/spokes/heartbeat", json=heartbeat.model_dump(mode="json"))
        self.beats.append(answer.status_code)
        self.answered += 1

    def reconcile(self, report: ReconciliationReport) -> ReconciliationAnswer:
        answer = self._client.post("/spokes/reconciliation", json=report.model_dump(mode="json"))
        self.answered += 1
        return ReconciliationAnswer.model_validate(answer.json())


def _row(page: str, site: str) -> str:
    start = page.index(f'id="spoke-{site}"')
    return page[start : page.index("</tr>", start)]


def test_the_couriers_heartbeat_shows_the_spoke_up_at_the_hub(hub: Hub, tmp_path: Path) -> None:
    conn = connect(tmp_path / "spoke")
    client = ThroughTestClient(hub.client("sdm@rxx.example"))
    link = HubLink(url="https://hub.invalid", token="t" * 32, reconcile_interval_s=3600.0)
    courier = Courier(conn, client, link, "RXX")  # type: ignore[arg-type]  # the client's duck type
    try:
        courier.step()
    finally:
        conn.close()
    assert client.beats == [204]
    page = hub.client("admin@network.example").get("/spoke-health")
    assert page.status_code == 200
    assert 'data-state="up"' in _row(page.text, "RXX") and "s ago" in _row(page.text, "RXX")
    assert 'data-state="never"' in _row(page.text, "RYY")
    beats = [e for e in hub.gov.audit.entries() if e.action == "spoke.heartbeat"]
    assert beats and beats[0].outcome == "success" and beats[0].entity_id == "RXX"


def test_backlog_is_shown_and_only_the_sites_own_spoke_may_beat(hub: Hub) -> None:
    manager = hub.client("sdm@rxx.example")
    beat = {
        "site_id": "RXX",
        "backlog": {"queued": 40, "delivered": 2, "acknowledged": 900, "failed": 3},
        "accepting": False,
        "version": "0.1.0",
    }
    assert manager.post("/spokes/heartbeat", json=beat).status_code == 204
    assert manager.post("/spokes/heartbeat", json={**beat, "site_id": "RYY"}).status_code == 403
    assert manager.post("/spokes/heartbeat", json={**beat, "backlog": {"queued": -1}}).status_code == 422
    assert hub.client("res@uni.example").post("/spokes/heartbeat", json=beat).status_code == 403
    row = _row(hub.client("audit@network.example").get("/spoke-health").text, "RXX")
    assert ">42</td>" in row and ">3</td>" in row and "no, disk guard" in row  # waiting = queued + delivered
    refused = [e for e in hub.gov.audit.entries() if e.action == "spoke.heartbeat" and e.outcome == "denied"]
    # the manager for RYY, the researcher for RXX, and the malformed backlog (refused before the site is read)
    assert {e.entity_id for e in refused} == {"RYY", "RXX", "unknown"}


def test_only_the_networks_managers_see_the_page(hub: Hub) -> None:
    for email in ("res@uni.example", "lead@uni.example", "sdm@rxx.example"):
        assert hub.client(email).get("/spoke-health").status_code == 403
    assert hub.client().get("/spoke-health").headers.get("location") == "/sign-in"
    denied = [e for e in hub.gov.audit.entries() if e.action == "spoke.health.view" and e.outcome == "denied"]
    assert len(denied) == 3


def _beats(hub: Hub, outcome: str = "success") -> list[Any]:
    return [e for e in hub.gov.audit.entries(AuditFilter(action="spoke.heartbeat", limit=1000)) if e.outcome == outcome]


def _contact_at(hub: Hub, site: str) -> Any:
    with hub.archive.database.reading() as conn:
        return conn.execute(sa.select(spoke_contact.c.contact_at).where(spoke_contact.c.site_id == site)).scalar_one()


def test_a_steady_spoke_is_audited_once_and_each_change_again(hub: Hub) -> None:
    manager = hub.client("sdm@rxx.example")
    beat = {"site_id": "RXX", "backlog": {"queued": 3, "acknowledged": 10}, "accepting": True, "version": "0.1.0"}
    for _ in range(100):
        assert manager.post("/spokes/heartbeat", json=beat).status_code == 204
    [first] = _beats(hub)
    for n in range(20):  # the backlog moves between beats: counts are not a change of state
        assert manager.post("/spokes/heartbeat", json={**beat, "backlog": {"queued": n}}).status_code == 204
    assert len(_beats(hub)) == 1
    assert first.entity_id == "RXX" and json.loads(first.detail)["changed"] == ["first contact"]
    # the last contact is still kept on every beat, for the health page
    seen = _contact_at(hub, "RXX")
    assert manager.post("/spokes/heartbeat", json=beat).status_code == 204
    assert _contact_at(hub, "RXX") > seen and len(_beats(hub)) == 1
    assert 'data-state="up"' in _row(hub.client("admin@network.example").get("/spoke-health").text, "RXX")

    def changed(**fields: Any) -> list[str]:
        before = len(_beats(hub))
        assert manager.post("/spokes/heartbeat", json={**beat, **fields}).status_code == 204
        entries = _beats(hub)
        assert len(entries) == before + 1
        assert manager.post("/spokes/heartbeat", json={**beat, **fields}).status_code == 204  # the same again
        assert len(_beats(hub)) == before + 1
        return list(json.loads(entries[0].detail)["changed"])  # newest first

    assert changed(version="0.2.0") == ["version"]
    beat["version"] = "0.2.0"
    assert changed(accepting=False) == ["accepting"]
    beat["accepting"] = False
    assert changed(backlog={"failed": 2}) == ["failed deliveries"]
    beat["backlog"] = {"failed": 2}
    # silent for longer than UP_WITHIN: the spoke was down, its next beat is audited
    with hub.archive.database.writing() as conn:
        conn.execute(sa.update(spoke_contact).values(contact_at=dt.datetime.now(dt.UTC) - 2 * UP_WITHIN))
    assert changed() == ["back after silence"]
    # another account speaking for the site (the lead of a project RXX takes part in): a change of who beats
    before = len(_beats(hub))
    assert hub.client("lead@uni.example").post("/spokes/heartbeat", json=beat).status_code == 204
    assert json.loads(_beats(hub)[0].detail)["changed"] == ["reported by"] and len(_beats(hub)) == before + 1


def test_every_refused_heartbeat_is_audited(hub: Hub) -> None:
    beat = {"site_id": "RXX", "backlog": {"queued": 1}}
    anonymous = hub.client()
    for _ in range(3):
        assert anonymous.post("/spokes/heartbeat", json=beat).status_code == 401
        bad = anonymous.post("/spokes/heartbeat", json=beat, headers={"Authorization": "Bearer not-a-token"})
        assert bad.status_code == 401
    manager = hub.client("sdm@rxx.example")
    for _ in range(3):
        assert manager.post("/spokes/heartbeat", json={**beat, "site_id": "RYY"}).status_code == 403
        assert manager.post("/spokes/heartbeat", json={**beat, "site_id": "R X!"}).status_code == 422
        assert manager.post("/spokes/heartbeat", json={**beat, "backlog": {"queued": -1}}).status_code == 422
        assert manager.post("/spokes/heartbeat", json={**beat, "extra": "x" * 500}).status_code == 422
    refused = _beats(hub, "denied")
    assert len(refused) == 18 and not _beats(hub)
    assert sum(e.actor == "anonymous" for e in refused) == 6
    assert {e.entity_id for e in refused} == {"unknown", "RYY", "invalid"}
    said = str([(e.entity_id, e.detail) for e in refused])
    assert "x" * 50 not in said and "R X!" not in said
