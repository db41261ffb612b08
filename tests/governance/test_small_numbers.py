"""Small-number suppression, probed as a researcher would: a project of 3 studies (6 instances) at one
site. No count under 10, and no other count that gives a small cell back (its instances, a snapshot's
total), reaches a role below project lead through the governance API or the web pages; the lead sees them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from imaging_hub.governance import ArchiveSource, Governance, SettableClock

from .hub import Hub, build_hub, study_bytes
from .network import START

_CELL = re.compile(r'<td class="nhsuk-table__cell">([^<]*)</td>')


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data: Path = tmp_path_factory.mktemp("suppression")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")  # LUNG1: one study of two instances at RXX, released as v1
    for seed in (40, 41):
        for blob in study_bytes("LUNG1", "RXX", seed):
            built.archive.store_bytes(blob)
    gov.snapshots.create(built.network.lead, "LUNG1", "DSA-2026-001", ArchiveSource(built.archive), "three studies")
    yield built
    built.archive.close()
    gov.close()


def _numbers_in_cells(html: str) -> list[str]:
    return [cell.strip() for cell in _CELL.findall(html) if cell.strip().isdigit()]


def test_a_researcher_sees_no_count_that_reveals_a_small_cell(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    api = "/api/governance/projects/LUNG1"
    assert client.get(f"{api}/cohort").json() == [{"site": "RXX", "studies": "<10", "instances": "suppressed"}]
    listed = client.get(f"{api}/snapshots").json()
    assert [s["instance_count"] for s in listed] == ["suppressed", "suppressed"]
    for version in (1, 2):
        assert client.get(f"{api}/snapshots/{version}").json()["instance_count"] == "suppressed"

    project_page = client.get("/projects/LUNG1").text
    assert "suppressed" in project_page and "&lt;10" in project_page
    for page in (project_page, client.get("/snapshots").text, client.get("/snapshots?project=LUNG1").text):
        assert _numbers_in_cells(page) == [], "an exact count reached a suppressed role"


def test_the_project_lead_and_auditor_see_exact_counts(hub: Hub) -> None:
    for email in ("lead@uni.example", "audit@network.example"):
        client = hub.client(email)
        cohort = client.get("/api/governance/projects/LUNG1/cohort").json()
        assert cohort == [{"site": "RXX", "studies": "3", "instances": "6"}], email
        counts = sorted(s["instance_count"] for s in client.get("/api/governance/projects/LUNG1/snapshots").json())
        assert counts == [2, 6], email
    assert _numbers_in_cells(hub.client("lead@uni.example").get("/projects/LUNG1").text) == ["3", "6"]


def test_a_site_of_ten_studies_is_not_suppressed_but_its_small_neighbour_still_is() -> None:
    from imaging_hub.governance import cohort_cells

    cells = cohort_cells({"RXX": (10, 40), "RYY": (2, 9), "RZZ": (0, 0)}, exact=False)
    assert cells == [("RXX", "10", "40"), ("RYY", "<10", "suppressed"), ("RZZ", "0", "0")]
