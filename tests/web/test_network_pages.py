"""The network's pages served by the hub: capacity with its charts and what-if, a reporter's worklist with claim,
release and report, and the reporting dashboards; who may see each, every view and refusal audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.api import SESSION_COOKIE
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.governance.credentials import csrf_token
from imaging_hub.network.operations import NetworkRoom
from network.operations.served import REPORTER_EMAIL, bundle, fill


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("network-pages")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    fill(NetworkRoom.open(built.archive.database.writer))
    admin = built.client("admin@network.example")
    for task_id, site, hours_ago, pathway, priority in (
        ("P1", "RXX", 2, "trial", "urgent"),
        ("P2", "RYY", 30, "urgent", "urgent"),
        ("P3", "RXX", 3, "acute", "stat"),
    ):
        made = admin.post(
            "/api/network/fhir/reporting-tasks",
            json=bundle(task_id, site, hours_ago=hours_ago, pathway=pathway, priority=priority),
        )
        assert made.status_code == 201, made.text
    yield built
    built.archive.close()
    gov.close()


def csrf(client: Any) -> str:
    return csrf_token(client.cookies.get(SESSION_COOKIE))


def cells(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table}".*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    assert body, f"no table {table}"
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def test_capacity_shows_the_booked_minutes_and_charts(hub: Hub) -> None:
    page = hub.client("admin@network.example").get("/network/capacity?weeks=2")
    assert page.status_code == 200
    rows = cells(page.text, "utilisation")
    week_one = next(r for r in rows if r[1] == "RXX-MR1")
    assert week_one[3:7] == ["1", "120", "45", "38%"]  # one 2-hour session, a 45-minute visit booked
    assert page.text.count('class="hub-chart"') == 2 and "<svg" in page.text
    assert "RYY-CT1" in page.text and 'href="/network/capacity/RYY/calendar.ics"' in page.text


def test_site_data_manager_sees_only_their_site_and_others_are_refused(hub: Hub) -> None:
    sdm = hub.client("sdm@rxx.example")
    page = sdm.get("/network/capacity")
    assert page.status_code == 200 and "RXX-MR1" in page.text and "RYY-CT1" not in page.text
    assert sdm.get("/network/capacity/RYY/calendar.ics").status_code == 403
    calendar = sdm.get("/network/capacity/RXX/calendar.ics")
    assert calendar.status_code == 200 and b"BEGIN:VCALENDAR" in calendar.content
    assert hub.client("ann@uni.example").get("/network/capacity").status_code == 403
    denied = hub.gov.audit.entries(AuditFilter(action="network.capacity.view", limit=100))
    assert any(e.outcome == "denied" and e.actor == "ann@uni.example" for e in denied)


def test_what_if_recomputes_utilisation_and_waits(hub: Hub) -> None:
    admin = hub.client("admin@network.example")
    closed = admin.get("/network/capacity/what-if?weeks=2&close=RXX-MR1")
    assert closed.status_code == 200 and "1 booked visit would need rebooking" in closed.text
    added = admin.get(
        "/network/capacity/what-if?weeks=2&add_scanner=RYY-CT1&add_weekday=0&add_start=08:00&add_end=09:00"
    )
    assert added.status_code == 200 and "0 booked visits would need rebooking" in added.text
    rows = cells(added.text, "what-if-waits")
    ct = next(r for r in rows if r[0].startswith("CT") and r[1] == "RYY")
    assert int(ct[3]) <= int(ct[2])  # a Monday session can only bring the next CT slot nearer
    assert admin.get("/network/capacity/what-if?close=NOPE").status_code == 404


def test_reporter_claims_releases_and_reports(hub: Hub) -> None:
    reporter = hub.client(REPORTER_EMAIL)
    page = reporter.get("/network/worklist")
    assert page.status_code == 200
    available = [r[0] for r in cells(page.text, "available")]
    assert available[0] == "P3"  # STAT first
    assert "RXX000123" not in page.text  # blinded reads hide the accession
    token = csrf(reporter)
    assert reporter.post("/network/worklist/P2/claim", data={"csrf": token}).status_code == 303
    assert [r[0] for r in cells(reporter.get("/network/worklist").text, "held")] == ["P2"]
    assert reporter.post("/network/worklist/P2/release", data={"csrf": token, "reason": "conflict"}).status_code == 303
    assert reporter.post("/network/worklist/P2/claim", data={"csrf": token}).status_code == 303
    assert reporter.post("/network/worklist/P2/report", data={"csrf": token, "text": "Normal."}).status_code == 303
    again = reporter.post("/network/worklist/P2/report", data={"csrf": token, "text": "Again."})
    assert again.status_code == 400 and "already reported" in again.text
    assert reporter.post("/network/worklist/P3/claim", data={"csrf": "stale"}).status_code == 403
    steps = [e.action for e in hub.gov.audit.entries(AuditFilter(limit=1000)) if e.entity_id == "P2"]
    assert {"network.worklist.claim", "network.worklist.release", "network.worklist.report"} <= set(steps)


def test_worklist_and_dashboards_are_refused_to_others(hub: Hub) -> None:
    ann = hub.client("ann@uni.example")
    assert ann.get("/network/worklist").status_code == 403
    assert ann.get("/network/reporting").status_code == 403
    assert ann.post("/network/worklist/P1/claim", data={"csrf": csrf(ann)}).status_code == 403
    assert hub.client().get("/network/worklist").status_code == 303  # to sign in


def test_dashboards_show_turnaround_breaches_and_workload(hub: Hub) -> None:
    admin = hub.client("admin@network.example")
    routed = admin.post("/network/worklist/route", data={"csrf": csrf(admin)})
    assert routed.status_code == 200
    page = admin.get("/network/reporting")
    assert page.status_code == 200 and page.text.count('class="hub-chart"') == 2
    breached = {r[0] for r in cells(page.text, "breaches")}
    assert {"P3", "P2"} <= breached  # acute 1h target passed; urgent 24h target passed before its report
    assert "P1" not in breached  # 14-day trial read, 2 hours in
    workload = {r[0]: r for r in cells(page.text, "workload")}
    assert set(workload) == {"dr.lead", "dr.res"}
    assert int(workload["dr.res"][5]) >= 1  # P2 reported by dr.res


def test_catalogue_search_and_jsonld_are_audited(hub: Hub) -> None:
    from imaging_hub.governance import SYSTEM
    from imaging_hub.hub import catalogue_snapshots
    from imaging_hub.network.catalogue import Catalogue

    catalogue_snapshots(hub.gov, hub.archive, Catalogue.on(hub.archive.database.writer), "Test network", SYSTEM)
    reader = hub.client("ann@uni.example")
    page = reader.get("/network/catalogue?q=brain")
    assert page.status_code == 200 and "Brain MRI atlas" in page.text and "Lung nodule" not in page.text
    assert reader.get("/network/catalogue").text.count('class="nhsuk-card"') == 2
    document = reader.get("/network/catalogue/hub-brain2-v1.jsonld")
    assert document.status_code == 200 and document.json()["@type"] == "Dataset"
    assert reader.get("/network/catalogue/nope.jsonld").status_code == 404
    assert reader.get("/network/catalogue?kind=bogus").status_code == 400
    searches = hub.gov.audit.entries(AuditFilter(action="network.catalogue.search", limit=100))
    assert any(e.actor == "ann@uni.example" for e in searches)


def test_costs_are_attributed_from_uploaded_files(hub: Hub) -> None:
    from network.costs.costs_samples import ACTIVITY, SCHEDULE, TARIFF_2025

    admin = hub.client("admin@network.example")
    assert admin.get("/network/costs").status_code == 200
    files = {"schedule": ("s.csv", SCHEDULE), "activity": ("a.csv", ACTIVITY), "tariff": ("t.csv", TARIFF_2025)}
    answer = admin.post("/network/costs", data={"csrf": csrf(admin)}, files=files)
    assert answer.status_code == 200 and 'class="hub-chart"' in answer.text
    reasons = cells(answer.text, "attributions")
    assert any(r[1] == "consent" and r[2].startswith("Research") for r in reasons)
    assert {r[0] for r in cells(answer.text, "site-months")} == {"RGT", "RHM"}
    broken = admin.post(
        "/network/costs", data={"csrf": csrf(admin)}, files={**files, "tariff": ("t.csv", "year,code\n2025/26,X\n")}
    )
    assert broken.status_code == 400 and "Nothing was costed" in broken.text
    assert hub.client("sdm@rxx.example").get("/network/costs").status_code == 403


def test_an_administrator_reassigns_a_task_and_nobody_else_may(hub: Hub) -> None:
    admin = hub.client("admin@network.example")
    # Only a routed task has a reporter to move it from; routing again leaves routed tasks where they are.
    assert admin.post("/network/worklist/route", data={"csrf": csrf(admin)}).status_code == 200
    page = admin.get("/network/worklist").text
    assert 'action="/network/worklist/P1/reassign"' in page and '<option value="dr.lead">' in page
    token = csrf(admin)
    moved = admin.post("/network/worklist/P1/reassign", data={"csrf": token, "to_reporter": "dr.lead",
                                                                "reason": "annual leave"})
    assert moved.status_code == 303
    row = next(r for r in cells(admin.get("/network/worklist").text, "all-tasks") if r[0] == "P1")
    assert "dr.lead" in row[7]
    no_reason = admin.post("/network/worklist/P1/reassign", data={"csrf": token, "to_reporter": "dr.lead"})
    assert no_reason.status_code == 422
    assert admin.post("/network/worklist/P1/reassign", data={"csrf": token, "to_reporter": "<script>", "reason": "x"}
                      ).status_code == 422
    reporter = hub.client(REPORTER_EMAIL)
    refused = reporter.post("/network/worklist/P1/reassign", data={"csrf": csrf(reporter), "to_reporter": "dr.res",
                                                                    "reason": "mine now"})
    assert refused.status_code == 403
    steps = [(e.action, e.outcome) for e in hub.gov.audit.entries(AuditFilter(limit=1000)) if e.entity_id == "P1"]
    assert ("network.worklist.reassign", "success") in steps and ("network.worklist.reassign", "denied") in steps
