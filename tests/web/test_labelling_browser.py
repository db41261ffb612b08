"""The labelling pages in Chromium: a reader's worklist, reading a study (OHIF framed beside the form) and
saving the read with htmx, and the lead's agreement page with its SVG chart, all fitting 1280 and 375 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from governance.hub import Hub
from imaging_hub.web.assets import installed

from .labelling_setup import ANN, RES, lung_studies, make_task, read, room
from .test_browser import serving, sign_in_by_keyboard


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub, int]]:
    assert installed(), "web assets missing: run scripts/build-web-assets.sh"
    with serving(tmp_path_factory.mktemp("labelling-web")) as (base, hub):
        task = make_task(hub, "Dense finding")
        studies = lung_studies(hub)
        for study, answer in zip(studies[:2], ("present", "absent"), strict=True):
            read(hub, task, RES, study, answer)
        read(hub, task, ANN, studies[0], "present")
        yield base, hub, task


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("width", [1280, 375])
def test_reader_reads_a_study_beside_the_viewer_and_saves_with_htmx(
    labelled: tuple[str, Hub, int], browser: Any, width: int
) -> None:
    base, _, task = labelled
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in_by_keyboard(page, base, ANN)
    page.goto(f"{base}/labelling")
    assert _overflow(page) <= 0, f"the worklist is {_overflow(page)} px too wide at {width} px"
    open_rows = page.locator('tr[data-done="no"] a.read-study')
    before = open_rows.count()
    assert before >= 1
    open_rows.first.click()
    page.wait_for_url(f"{base}/labelling/tasks/{task}/studies/*")
    assert _overflow(page) <= 0, f"the reading page is {_overflow(page)} px too wide at {width} px"
    frame = page.locator("#study-viewer")
    assert frame.get_attribute("src", timeout=5000).startswith("/viewer/segmentation?StudyInstanceUIDs=")
    assert frame.bounding_box()["width"] > 0.5 * min(width, 960) - 40
    url = page.url
    page.check("#q_finding_absent")
    page.fill("#m_diameter", "4.5")
    page.click("#submit-read")
    expect(page.locator("#read-saved")).to_be_visible()
    assert page.url == url  # htmx swapped the form in place
    expect(page.locator("#own-read")).to_contain_text("absent")
    page.goto(f"{base}/labelling")
    assert page.locator('tr[data-done="no"] a.read-study').count() == before - 1
    page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_lead_sees_agreement_and_the_progress_chart(labelled: tuple[str, Hub, int], browser: Any, width: int) -> None:
    base, hub, task = labelled
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in_by_keyboard(page, base, "lead@uni.example")
    page.goto(f"{base}/labelling/tasks/{task}/agreement")
    assert _overflow(page) <= 0, f"the agreement page is {_overflow(page)} px too wide at {width} px"
    expect(page.locator(".kappa-table")).to_be_visible()
    chart = page.locator("#progress-chart")
    chart.scroll_into_view_if_needed()
    assert page.evaluate("document.getElementById('progress-chart').naturalWidth") > 0  # the SVG was drawn
    assert chart.bounding_box()["width"] <= width
    done = sum(1 for r in room(hub).all_reads(task))
    expect(page.locator("#progress-summary")).to_contain_text(f"{done} of")
    page.close()
