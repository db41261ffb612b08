"""``/network/activity``: activity counted from real arrivals at the hub plus manual entries, charts per site and
study, a manual entry from the page (administrator, or the site's data manager only), the portfolio CSV; every
view, change and refusal audited; hostile input refused by name, nothing stored."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from typing import Any

import pytest
from pydicom import dcmwrite

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.api import SESSION_COOKIE
from imaging_hub.dicom.synthetic import StudySpec, SyntheticPatient, make_study
from imaging_hub.governance import AuditFilter, Governance, SettableClock
from imaging_hub.governance.credentials import csrf_token
from imaging_hub.network.activity import PORTFOLIO_COLUMNS, ActivityRoom, Phase, PortfolioStudy
from imaging_hub.network.operations import Actor

STUDY = PortfolioStudy(
    "312345",
    "54321",
    "Lung nodule AI",
    "University",
    "Prof CI",
    Phase.NOT_APPLICABLE,
    "LUNG1",
    frozenset({"RXX", "RYY"}),
    ("baseline", "month-6"),
)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("activity-page")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    ActivityRoom.open(built.archive.database.writer).put_study(Actor("setup", manager=True), STUDY)
    patient = SyntheticPatient.make(random.Random(41), site_prefix="RXX")
    for ds in make_study(patient, StudySpec(series=1, instances_per_series=2, rows=8, columns=8), seed=41):
        ds.ClinicalTrialProtocolID, ds.ClinicalTrialSiteID = "LUNG1", "RXX"
        ds.ClinicalTrialTimePointID, ds.ClinicalTrialSubjectID = "baseline", "LUNG1-041"
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        built.archive.store_bytes(buffer.getvalue())
    yield built
    built.archive.close()
    gov.close()


def csrf(client: Any) -> str:
    return csrf_token(client.cookies.get(SESSION_COOKIE))


def rows(html: str) -> list[list[str]]:
    import re

    body = re.search(r'<table[^>]*id="activity-rows".*?<tbody[^>]*>(.*?)</tbody>', html, re.S)
    assert body
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def manual(month: str = "2025-01", **changes: str) -> dict[str, str]:
    return {
        "iras_id": "312345",
        "site": "RXX",
        "month": month,
        "measure": "scans",
        "timepoint": "baseline",
        "count": "4",
        "note": "read on paper",
        **changes,
    }


def test_arrivals_are_counted_and_charted_per_site_and_study(hub: Hub) -> None:
    page = hub.client("admin@network.example").get("/network/activity")
    assert page.status_code == 200
    rxx = [r for r in rows(page.text) if r[0] == "312345" and r[1] == "RXX"]
    assert sum(int(r[3]) for r in rxx) >= 1 and sum(int(r[5]) for r in rxx) >= 1  # the baseline scan, its recruit
    assert page.text.count('class="hub-chart"') == 2
    assert "activity-uncounted" in page.text  # the fixture's studies without a timepoint are tallied, not lost
    views = hub.gov.audit.entries(AuditFilter(action="network.activity.view", limit=100))
    assert any(e.actor == "admin@network.example" and e.outcome == "success" for e in views)


def test_site_data_manager_adds_for_their_site_only(hub: Hub) -> None:
    sdm = hub.client("sdm@rxx.example")
    added = sdm.post("/network/activity/manual", data={"csrf": csrf(sdm), **manual("2025-02")}, follow_redirects=False)
    assert added.status_code == 303
    shown = [r for r in rows(sdm.get("/network/activity").text) if r[2] == "2025-02"]
    assert shown == [["312345", "RXX", "2025-02", "4", "0", "0", "first arrival at the hub", "4"]]
    refused = sdm.post("/network/activity/manual", data={"csrf": csrf(sdm), **manual("2025-03", site="RYY")})
    assert refused.status_code == 403
    trail = hub.gov.audit.entries(AuditFilter(action="network.activity.manual.add", limit=100))
    assert any(e.outcome == "denied" and e.actor == "sdm@rxx.example" for e in trail)
    assert any(e.outcome == "success" and e.actor == "sdm@rxx.example" for e in trail)
    assert ActivityRoom.open(hub.archive.database.writer).manual({"RYY"}) == []


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"count": "-3"}, "count"),
        ({"count": "1e9"}, "count"),
        ({"count": "١٢"}, "count"),  # non-ASCII digits
        ({"month": "2025-13"}, "month"),
        ({"month": "<script>" * 20}, "month"),
        ({"measure": "bribes"}, "kind"),
        ({"iras_id": "999999"}, "IRAS ID"),
        ({"timepoint": "week-99"}, "timepoint"),
        ({"note": "x" * 600}, "note"),
    ],
)
def test_hostile_input_is_refused_by_name_and_stores_nothing(hub: Hub, changes: dict[str, str], named: str) -> None:
    admin = hub.client("admin@network.example")
    room = ActivityRoom.open(hub.archive.database.writer)
    before = room.manual()
    answer = admin.post("/network/activity/manual", data={"csrf": csrf(admin), **manual("2025-04"), **changes})
    assert answer.status_code == 400 and named in answer.text and "<script><script>" not in answer.text
    assert room.manual() == before


def test_without_csrf_nothing_is_added(hub: Hub) -> None:
    admin = hub.client("admin@network.example")
    room = ActivityRoom.open(hub.archive.database.writer)
    before = room.manual()
    assert admin.post("/network/activity/manual", data=manual("2025-05")).status_code in {400, 403}
    assert room.manual() == before


def test_portfolio_csv_is_for_oversight(hub: Hub) -> None:
    answer = hub.client("audit@network.example").get("/network/activity/portfolio.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(table[0]) == PORTFOLIO_COLUMNS
    assert any(r[0] == "54321" and r[1] == "RXX" and r[3] == "LUNG1-041" for r in table[1:])
    assert hub.client("sdm@rxx.example").get("/network/activity/portfolio.csv").status_code == 403
    assert hub.client("res@uni.example").get("/network/activity").status_code == 403
    denied = hub.gov.audit.entries(AuditFilter(action="network.activity.view", limit=100))
    assert any(e.outcome == "denied" and e.actor == "res@uni.example" for e in denied)
