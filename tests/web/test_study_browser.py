"""The study browser over HTTP: a project's studies for those who may read them (the DICOMweb rule), search
and filters, keyset pages, a study's series with hub-rendered pictures, suppression and the audit trail."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PIL import Image

from governance.hub import Hub, build_hub
from governance.network import START
from imaging_hub.governance import SYSTEM, AuditFilter, Governance, SettableClock
from imaging_hub.quality import ClusterChoice, QualityRoom, run_project
from imaging_hub.store.bulk import insert_synthetic_index

SYNTHETIC = "PROJ0"  # the synthetic index filler puts study s in PROJ(s % 5)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("studies")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    gov.projects.create(SYSTEM, SYNTHETIC, "Synthetic cohort", site_codes=["RXX"])
    gov.directory.grant(SYSTEM, built.network.researcher.person_id, "researcher", project_code=SYNTHETIC)
    now = gov.clock()
    gov.agreements.create(SYSTEM, "DSA-SYN", built.network.researcher.organisation_id, [SYNTHETIC], "paging",
                          ["imaging"], starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=9))
    gov.agreements.decide(SYSTEM, "DSA-SYN", "activate")
    insert_synthetic_index(built.archive, studies=300, series_per_study=1, instances_per_series=2)
    yield built
    built.archive.close()
    gov.close()


def rows(html: str) -> list[str]:
    return re.findall(r'data-study="([^"]+)"', html)


def count_text(html: str) -> str:
    found = re.search(r'<p class="nhsuk-body" id="study-count">([^<]*?) stud', html)
    assert found, html[:400]
    return found.group(1).replace("&lt;", "<")


def test_researcher_lists_a_project_and_opens_studies_in_the_viewer(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    answer = client.get("/projects/LUNG1/studies")
    assert answer.status_code == 200
    study = hub.studies["LUNG1"]
    assert rows(answer.text) == [study]
    assert f'href="/viewer/viewer?StudyInstanceUIDs={study}"' in answer.text
    assert "CT CHEST WITH CONTRAST" in answer.text and ">RXX<" in answer.text
    assert count_text(answer.text) == "<10"  # a cohort count: suppressed below project lead
    assert hub.studies["BRAIN2"] not in answer.text


def test_project_lead_sees_exact_counts(hub: Hub) -> None:
    assert count_text(hub.client("lead@uni.example").get("/projects/LUNG1/studies").text) == "1"


@pytest.mark.parametrize("query, found", [
    ("modality=CT", True), ("modality=MR", False), ("site=RXX", True), ("site=RYY", False),
    ("description=chest+contrast", True), ("description=brain", False),
    ("date_from=2024-03-01&date_to=2024-03-31", True), ("date_from=2025-01-01", False),
])
def test_filters_narrow_the_table(hub: Hub, query: str, found: bool) -> None:
    answer = hub.client("res@uni.example").get(f"/projects/LUNG1/studies/table?{query}")
    assert answer.status_code == 200 and "<html" not in answer.text  # a fragment for htmx
    assert (rows(answer.text) == [hub.studies["LUNG1"]]) is found


def test_participant_search_matches_the_pseudonym_by_its_start(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    participant = str(hub.archive.get(hub.instances["LUNG1"][2]).patient_id)  # type: ignore[union-attr]
    assert rows(client.get(f"/projects/LUNG1/studies/table?participant={participant[:5]}").text)
    assert not rows(client.get("/projects/LUNG1/studies/table?participant=NOBODY").text)


def test_keyset_pages_cover_the_project_once(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    seen: list[str] = []
    url: str | None = f"/projects/{SYNTHETIC}/studies/table"
    pages = 0
    while url:
        html = client.get(url).text
        seen += rows(html)
        pages += 1
        following = re.search(r'id="next-page" href="[^"]*" hx-get="([^"]+)"', html)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert pages == 2 and len(seen) == len(set(seen)) == 60
    assert count_text(client.get(f"/projects/{SYNTHETIC}/studies").text) == "60"
    # Filters travel with the page key.
    mr = client.get(f"/projects/{SYNTHETIC}/studies/table?modality=MR").text
    assert all("MR" in row for row in re.findall(r"<tr class=\"nhsuk-table__row\" data-study.*?</tr>", mr, re.S))


def test_study_page_lists_series_with_pictures_rendered_by_the_hub(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    study, series, _ = hub.instances["LUNG1"]
    answer = client.get(f"/projects/LUNG1/studies/{study}")
    assert answer.status_code == 200
    assert re.findall(r'data-series="([^"]+)"', answer.text) == [series]
    thumbnail = f"/projects/LUNG1/studies/{study}/series/{series}/thumbnail"
    assert f'src="{thumbnail}"' in answer.text and 'id="open-viewer"' in answer.text
    picture = client.get(thumbnail)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(picture.content))
    low, high = image.convert("L").getextrema()
    assert max(image.size) == 128 and high > low  # a picture, not a blank square


def test_outsider_gets_nothing_and_every_view_is_audited(hub: Hub) -> None:
    study, series, _ = hub.instances["LUNG1"]
    outsider = hub.client("dev@pixel.example")  # a researcher on LUNG1 at a company with no agreement
    for url in ("/projects/LUNG1/studies", "/projects/LUNG1/studies/table", f"/projects/LUNG1/studies/{study}",
                f"/projects/LUNG1/studies/{study}/series/{series}/thumbnail"):
        answer = outsider.get(url)
        assert answer.status_code == 403 and study not in answer.text, url
    denied = hub.gov.audit.entries(AuditFilter(actor="dev@pixel.example", action="study.", outcome="denied"))
    assert {e.action for e in denied} >= {"study.list", "study.view", "study.thumbnail"}
    assert hub.client("res@uni.example").get(f"/projects/BRAIN2/studies/{hub.studies['BRAIN2']}").status_code == 403
    reader = hub.client("res@uni.example")
    reader.get(f"/projects/LUNG1/studies/{study}")
    reader.get(f"/projects/LUNG1/studies/{study}/series/{series}/thumbnail")
    granted = hub.gov.audit.entries(AuditFilter(actor="res@uni.example", action="study.", outcome="success"))
    assert {e.action for e in granted} >= {"study.list", "study.view", "study.thumbnail"}
    assert any(e.entity_id == study and e.project == "LUNG1" for e in granted)


def test_a_study_of_another_project_is_not_found_here(hub: Hub) -> None:
    answer = hub.client("res@uni.example").get(f"/projects/{SYNTHETIC}/studies/{hub.studies['LUNG1']}")
    assert answer.status_code == 404


@pytest.mark.parametrize("query, message", [
    ("date_from=14/03/2024", "date from must be a date"), ("modality=C-T", "modality must be"),
    ("site=R*", "may not contain"),
    ("after=x", "page key"), ("participant=" + "A" * 65, "longer than 64"),
])
def test_bad_search_input_is_named(hub: Hub, query: str, message: str) -> None:
    answer = hub.client("res@uni.example").get(f"/projects/LUNG1/studies?{query}")
    assert answer.status_code == 400 and message in answer.text.replace("&#39;", "'")


QC_PROTOCOL = """
[protocol]
name = "LUNG1 imaging"
version = "1"

[[series]]
name = "CT chest"
match = { modality = "CT" }

[[series]]
name = "T1 brain"
required = true
match = { modality = "MR" }
"""


def test_the_qc_column_shows_the_quality_rooms_verdict(hub: Hub) -> None:
    client = hub.client("res@uni.example")
    assert "not conformant" not in client.get("/projects/LUNG1/studies").text
    room = QualityRoom.open(hub.archive.database.writer)
    room.save_protocol("LUNG1", QC_PROTOCOL, "lead@uni.example")
    run_project(hub.archive, room, "LUNG1", cluster=ClusterChoice(n_workers=1, processes=False))
    table = client.get("/projects/LUNG1/studies").text
    assert '<th scope="col">QC</th>' in table
    assert "not conformant" in table  # the protocol's required MR series never arrived
