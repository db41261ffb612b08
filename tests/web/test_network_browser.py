"""The network's pages in Chromium at 1280 and 375 px: nothing wider than the window, charts drawn, the what-if
recomputed in place by htmx, and a reporter claiming and reporting a task by clicking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from governance.hub import Hub
from imaging_hub.network.operations import NetworkRoom
from network.operations.served import REPORTER_EMAIL, bundle, fill

from .test_browser import every_field_is_labelled, serving, sign_in_by_keyboard

PAGES = ("/network/capacity", "/network/worklist", "/network/reporting", "/network/catalogue", "/network/costs")


@pytest.fixture(scope="module")
def network_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:
    with serving(tmp_path_factory.mktemp("network-web")) as (base, hub):
        fill(NetworkRoom.open(hub.archive.database.writer))
        admin = hub.client("admin@network.example")
        for task_id, site in (("B1", "RXX"), ("B2", "RYY")):
            assert admin.post("/api/network/fhir/reporting-tasks", json=bundle(task_id, site)).status_code == 201
        yield base, hub


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_network_pages_fit_1280_and_375_px(network_served: tuple[str, Hub], browser: Any) -> None:
    base, _ = network_served
    for width, height in ((1280, 900), (375, 740)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "admin@network.example")
        for path in PAGES:
            page.goto(base + path)
            assert _overflow(page) <= 0, f"{path} is {_overflow(page)} px too wide at {width} px"
            assert every_field_is_labelled(page) == [], path
        page.goto(base + "/network/capacity")
        chart = page.locator("svg.hub-chart").first
        assert chart.bounding_box()["width"] <= width
        page.close()


def test_what_if_is_recomputed_in_place(network_served: tuple[str, Hub], browser: Any) -> None:
    base, _ = network_served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_by_keyboard(page, base, "admin@network.example")
    page.goto(base + "/network/capacity?weeks=2")
    page.check("input[name=close][value=RXX-MR1]")
    page.click("#what-if-run")
    page.wait_for_selector("#displaced")
    assert page.url.startswith(base + "/network/capacity?")  # htmx swapped the answer in; no navigation
    assert "1 booked visit would need rebooking" in page.locator("#displaced").inner_text()
    assert page.locator("#what-if svg.hub-chart").count() == 2
    page.close()


def test_reporter_claims_and_reports_by_clicking(network_served: tuple[str, Hub], browser: Any) -> None:
    base, hub = network_served
    page = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in_by_keyboard(page, base, REPORTER_EMAIL)
    page.goto(base + "/network/worklist")
    page.click("#claim-B1")
    page.wait_for_selector("#held #report-B1", state="attached")
    page.locator("#held summary").first.click()
    page.fill("#text-B1", "No change since baseline.")
    page.click("#report-B1")
    page.wait_for_selector("#held >> text=None")
    assert _overflow(page) <= 0
    state = NetworkRoom.open(hub.archive.database.writer).task("B1")
    assert state.state.status.value == "reported" and state.report_text == "No change since baseline."
    page.close()
