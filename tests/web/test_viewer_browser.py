"""The study browser and the OHIF viewer in headless Debian Chromium: a researcher opens a study from the
browser and OHIF draws it from the hub's DICOMweb; a person outside the project gets nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Response

from governance.hub import Hub
from governance.network import PASSWORD
from imaging_hub.web.viewer import OhifBundle
from web.test_browser import serving

# Pixels of the viewport canvases that are not black (OHIF's background), counted in the page.
PAINTED = """() => [...document.querySelectorAll('canvas')].map(c => {
    const ctx = c.getContext('2d'); if (!ctx || !c.width || !c.height) return 0;
    const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 8 || d[i + 1] > 8 || d[i + 2] > 8) n++;
    return n; })"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:
    assert OhifBundle("/viewer/").installed, "OHIF viewer missing: run scripts/build-web-assets.sh"
    with serving(tmp_path_factory.mktemp("viewer-browser")) as running:
        yield running


def signed_in(browser: Any, base: str, email: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_researcher_opens_a_study_from_the_browser_and_ohif_draws_it(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    study = hub.studies["LUNG1"]
    page = signed_in(browser, base, "res@uni.example")
    refused: list[str] = []
    page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if "/dicom-web/" in r.url and r.status >= 400
            else None)
    page.goto(f"{base}/projects/LUNG1")
    page.click("#browse-studies")
    page.select_option("#modality", "CT")  # htmx redraws the table
    page.wait_for_selector(f"tr[data-study='{study}']")
    page.click(f"tr[data-study='{study}'] a.open-viewer")
    page.wait_for_url(f"{base}/viewer/viewer?StudyInstanceUIDs={study}")
    page.wait_for_function(f"() => ({PAINTED})().some(n => n > 100)", timeout=120_000)
    assert max(page.evaluate(PAINTED)) > 100
    assert refused == []
    page.close()


def test_person_outside_the_project_gets_nothing(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    study = hub.studies["LUNG1"]
    page = signed_in(browser, base, "dev@pixel.example")  # LUNG1 researcher role, but no agreement in force
    page.goto(f"{base}/projects/LUNG1/studies")
    assert page.locator("h1").inner_text() == "Not allowed" and study not in page.content()
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if "/dicom-web/" in r.url else None)
    with page.expect_response(lambda r: "/dicom-web/" in r.url and study in r.url, timeout=120_000):
        page.goto(f"{base}/viewer/viewer?StudyInstanceUIDs={study}")
    page.wait_for_load_state("networkidle")
    assert answers
    for answer in answers:
        if answer.status < 400:  # searches answer, but with nothing of the study in them
            assert study not in answer.text(), answer.url
    assert any(a.status >= 400 for a in answers) or all(a.text().strip() in ("[]", "") for a in answers)
    assert max(page.evaluate(PAINTED), default=0) <= 100
    page.close()
