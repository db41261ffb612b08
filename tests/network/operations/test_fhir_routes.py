"""FHIR over HTTP: a ServiceRequest and its ImagingStudy posted as a Bundle become a reporting task; the finished
report comes back as a DiagnosticReport. Authorised by the room, audited (refusals and bad input too), and hostile
input answered with a 4xx that never quotes it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.network.operations import NetworkRoom
from network.operations.served import REPORTER_EMAIL, bundle, fill

URL = "/api/network/fhir/reporting-tasks"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("network-fhir")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    fill(NetworkRoom.open(built.archive.database.writer))
    yield built
    built.archive.close()
    gov.close()


def audited(hub: Hub, action: str) -> list[Any]:
    return hub.gov.audit.entries(AuditFilter(action=action, limit=1000))


def test_posted_task_is_reported_and_read_back_as_a_diagnostic_report(hub: Hub) -> None:
    admin = hub.client("admin@network.example")
    answer = admin.post(URL, json=bundle("fhir-1"), headers={"Content-Type": "application/fhir+json"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["pathway"] == "trial" and answer.json()["status"] == "open"
    location = answer.headers["location"]
    assert admin.get(location).status_code == 404  # not reported yet
    reporter = hub.client(REPORTER_EMAIL)
    csrf = _csrf(reporter)
    assert reporter.post("/network/worklist/fhir-1/claim", data={"csrf": csrf}).status_code == 303
    sent = reporter.post("/network/worklist/fhir-1/report", data={"csrf": csrf, "text": "Stable.", "conclusion": "PD"})
    assert sent.status_code == 303
    report = admin.get(location)
    assert report.status_code == 200 and report.headers["content-type"].startswith("application/fhir+json")
    resource = report.json()
    assert resource["resourceType"] == "DiagnosticReport" and resource["status"] == "final"
    assert resource["basedOn"] == [{"reference": "ServiceRequest/fhir-1"}]
    assert resource["imagingStudy"] == [{"reference": "ImagingStudy/is-fhir-1"}]
    assert base64.b64decode(resource["presentedForm"][0]["data"]).decode() == "Stable."
    assert resource["conclusion"] == "PD"
    assert reporter.get(location).status_code == 200  # its own reporter may read it
    assert hub.client("ann@uni.example").get(location).status_code == 403
    assert [e.outcome for e in audited(hub, "network.report.read")].count("denied") == 1
    assert {e.entity_id for e in audited(hub, "network.worklist.report")} == {"fhir-1"}


def test_site_data_manager_posts_only_for_their_site(hub: Hub) -> None:
    sdm = hub.client("sdm@rxx.example")
    assert sdm.post(URL, json=bundle("fhir-sdm-1", "RXX")).status_code == 201
    refused = sdm.post(URL, json=bundle("fhir-sdm-2", "RYY"))
    assert refused.status_code == 403
    assert any(e.entity_id == "fhir-sdm-2" and e.outcome == "denied" for e in audited(hub, "network.task.create"))
    assert hub.client("res@uni.example").post(URL, json=bundle("fhir-res")).status_code == 403
    assert hub.client().post(URL, json=bundle("fhir-anon")).status_code == 401
    assert sdm.post(URL, json=bundle("fhir-sdm-1", "RXX")).status_code == 409  # already on the worklist


SECRET = "NHS-9434765919"  # stands for an identifying value that must never be echoed


def _hostile() -> list[tuple[str, bytes]]:
    good = bundle("fhir-bad")
    wrong_status = bundle("fhir-bad")
    wrong_status["entry"][0]["resource"]["status"] = SECRET
    other_subject = bundle("fhir-bad")
    other_subject["entry"][1]["resource"]["subject"] = {"reference": f"Patient/{SECRET}"}
    no_pathway = bundle("fhir-bad", pathway=SECRET)
    three = bundle("fhir-bad")
    three["entry"].append(three["entry"][0])
    deep: Any = SECRET
    for _ in range(200):
        deep = {"a": deep}
    nested = bundle("fhir-bad")
    nested["entry"][0]["resource"]["note"] = [{"text": "x", "extension": [deep]}]
    beyond = bundle("fhir-bad", pathway="trial")
    beyond["entry"][0]["resource"]["id"] = "x" * 65 + SECRET
    return [
        ("not json", f"{{{SECRET}".encode()),
        ("not a bundle", json.dumps({"resourceType": "Patient", "id": SECRET}).encode()),
        ("a list", json.dumps([SECRET]).encode()),
        ("bad status", json.dumps(wrong_status).encode()),
        ("two subjects", json.dumps(other_subject).encode()),
        ("unknown pathway", json.dumps(no_pathway).encode()),
        ("three entries", json.dumps(three).encode()),
        ("deep nesting", json.dumps(nested).encode()),
        ("over-long id", json.dumps(beyond).encode()),
        ("not utf-8", b"\xff\xfe" + SECRET.encode()),
        ("good bundle, wrong type", json.dumps({**good, "type": SECRET}).encode()),
    ]


@pytest.mark.parametrize(("name", "body"), _hostile(), ids=[n for n, _ in _hostile()])
def test_hostile_input_is_refused_without_echo_or_storage(hub: Hub, name: str, body: bytes) -> None:
    admin = hub.client("admin@network.example")
    answer = admin.post(URL, content=body, headers={"Content-Type": "application/fhir+json"})
    assert answer.status_code == 422, (name, answer.status_code, answer.text[:200])
    assert SECRET not in answer.text
    assert all(v.task.task_id != "fhir-bad" for v in NetworkRoom.open(hub.archive.database.writer).tasks())
    failed = [e for e in audited(hub, "network.task.create") if e.outcome == "failed"]
    assert failed and all(SECRET not in json.dumps(e.detail) for e in failed)


def test_a_body_over_the_limit_is_refused_before_reading(hub: Hub) -> None:
    admin = hub.client("admin@network.example")
    answer = admin.post(URL, content=b"{" + b" " * (300 * 1024) + b"}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


def _csrf(client: Any) -> str:
    from imaging_hub.api import SESSION_COOKIE
    from imaging_hub.governance.credentials import csrf_token

    return csrf_token(client.cookies.get(SESSION_COOKIE))
