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


_RELATED = {
    "00201206": "NumberOfStudyRelatedSeries",
    "00201208": "NumberOfStudyRelatedInstances",
    "00201209": "NumberOfSeriesRelatedInstances",
}


def _related_counts(rows: list[dict[str, dict[str, object]]]) -> list[object]:
    """Every value a row gives for a related count (an empty attribute gives none)."""
    return [v for row in rows for tag in _RELATED if tag in row for v in row[tag].get("Value", [])]  # type: ignore[attr-defined]


def test_qido_rows_give_a_researcher_no_study_or_series_size(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    study = hub.studies["LUNG1"]
    searches = [
        "/dicom-web/studies?includefield=NumberOfStudyRelatedInstances&includefield=NumberOfStudyRelatedSeries",
        "/dicom-web/studies?ClinicalTrialProtocolID=LUNG1&includefield=all",
        f"/dicom-web/studies/{study}/series?includefield=NumberOfSeriesRelatedInstances",
        "/dicom-web/series?includefield=NumberOfSeriesRelatedInstances",
    ]
    for url in searches:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text)
        rows = answer.json()
        assert rows, url  # the researcher reads these rows, only their sizes are withheld
        assert _related_counts(rows) == [], url
    page = client.get("/projects/LUNG1/studies/table").text
    assert _numbers_in_cells(page) == [], "the study browser showed a study's size to a suppressed role"
    detail = client.get(f"/projects/LUNG1/studies/{study}").text
    assert _series_sizes(detail) == ["suppressed"]


def _series_sizes(html: str) -> list[str]:
    """The last cell of each series row: its instance count as shown."""
    rows = re.findall(r'<tr class="nhsuk-table__row" data-series=.*?</tr>', html, flags=re.S)
    return [_CELL.findall(row)[-1].strip() for row in rows]


def test_qido_rows_give_the_lead_exact_sizes(hub: Hub) -> None:
    rows = hub.client("lead@uni.example").get("/dicom-web/studies?includefield=NumberOfStudyRelatedInstances").json()
    assert sorted(_related_counts(rows)) == [1, 1, 1, 2, 2, 2]  # three studies of one series, two instances
    detail = hub.client("lead@uni.example").get(f"/projects/LUNG1/studies/{hub.studies['LUNG1']}").text
    assert _series_sizes(detail) == ["2"]
