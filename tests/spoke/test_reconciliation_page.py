"""The hub's reconciliation page: spokes' reports shown per project and site, complete / incomplete (what is
missing) / failed (why), to the people who may see each (project, site) and no one else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from governance.hub import Hub, build_hub
from governance.network import PASSWORD, START
from imaging_hub.api import create_governed_app
from imaging_hub.governance import Governance, SettableClock
from imaging_hub.hub import Caller, HubRoom
from imaging_hub.spoke import ReconciliationReport, StudyReport
from imaging_hub.spoke.delivery.reconciliation import NOT_FOUND_BY_NHS_NUMBER
from imaging_hub.web import web_face


def _report(room: HubRoom, site: str, studies: list[StudyReport]) -> None:
    room.reconciliation.receive(Caller(f"spoke:{site}"), ReconciliationReport(site_id=site, studies=studies))


@pytest.fixture()
def hub(tmp_path: Path) -> Iterator[tuple[Hub, TestClient]]:
    gov = Governance.open(f"sqlite:///{tmp_path / 'gov.sqlite3'}", SettableClock(START))
    built = build_hub(gov, tmp_path / "archive")
    room = HubRoom.open(built.archive)  # the reports live in the archive's database
    lung_study = built.studies["LUNG1"]
    _report(
        room,
        "RXX",
        [
            StudyReport(
                project_id="LUNG1",
                participant_id="LUNG1-001",
                study_uid=lung_study,
                expected_instances=2,
                received=2,
                deidentified=2,
                delivered=2,
                acknowledged=2,
            ),
            StudyReport(
                project_id="LUNG1",
                participant_id="LUNG1-002",
                study_uid="2.25.1234567890",
                expected_instances=8,
                received=5,
                deidentified=5,
                delivered=3,
            ),
            StudyReport(
                project_id="LUNG1",
                participant_id="LUNG1-003",
                study_uid="",
                retrieve_error=f"{NOT_FOUND_BY_NHS_NUMBER} (searched PatientID, OtherPatientIDsSequence)",
            ),
        ],
    )
    _report(
        room,
        "RYY",
        [
            StudyReport(
                project_id="BRAIN2",
                participant_id="BRAIN2-001",
                study_uid="2.25.999",
                expected_instances=4,
                received=4,
                failed=4,
                failures={"hub refused it (failure reason 0xC000)": 4},
            ),
        ],
    )
    app = create_governed_app(built.archive, gov, pages=web_face())
    built.app = app
    try:
        yield built, TestClient(app, follow_redirects=False)
    finally:
        built.archive.close()
        gov.close()


def _page(hub: Hub, email: str, query: str = "") -> str:
    client = hub.client(email)
    answer = client.get(f"/reconciliation{query}")
    assert answer.status_code == 200, answer.text
    return answer.text


def test_site_data_manager_sees_own_site_complete_incomplete_failed(hub: tuple[Hub, TestClient]) -> None:
    built, _ = hub
    page = _page(built, "sdm@rxx.example")
    assert "LUNG1-001" in page and "nhsuk-tag--green" in page  # complete: held here
    assert "3 not yet received from the PACS" in page and "2 awaiting delivery" in page  # what is missing
    assert NOT_FOUND_BY_NHS_NUMBER in page and "none found" in page  # why it failed
    assert "BRAIN2" not in page  # another site's project


def test_oversight_sees_every_site_and_filters(hub: tuple[Hub, TestClient]) -> None:
    built, _ = hub
    page = _page(built, "admin@network.example")
    assert "LUNG1-002" in page and "BRAIN2-001" in page and "failure reason 0xC000" in page
    only_brain = _page(built, "admin@network.example", "?project=BRAIN2&site=RYY")
    assert "BRAIN2-001" in only_brain and "LUNG1-002" not in only_brain


def test_a_researcher_sees_counts_of_their_project_suppressed_and_no_study(hub: tuple[Hub, TestClient]) -> None:
    built, anonymous = hub
    page = _page(built, "res@uni.example")  # researcher on LUNG1 only
    assert "LUNG1-00" not in page and "BRAIN2-00" not in page  # no participant, no study
    assert "No site has reported on a project you can see" not in page
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>LUNG1</td><td[^>]*>RXX</td>(.*?)</tr>", page, re.S)
    assert row is not None, page
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1)) == ["&lt;10", "&lt;10", "&lt;10"]  # 1, 1, 1
    assert ">BRAIN2<" not in page  # a project they have no part in
    assert anonymous.get("/reconciliation").headers.get("location") == "/sign-in"
    assert PASSWORD not in page


def test_the_lead_sees_exact_counts(hub: tuple[Hub, TestClient]) -> None:
    built, _ = hub
    page = _page(built, "lead@uni.example")
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>LUNG1</td><td[^>]*>RXX</td>(.*?)</tr>", page, re.S)
    assert row is not None and re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1)) == ["1", "1", "1"]
