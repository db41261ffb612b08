"""The activity page in Chromium at 1280 and 375 px: nothing wider than the window, every field labelled, both
charts drawn within the page, and a site data manager adding a manual entry by filling in the form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from governance.hub import Hub
from imaging_hub.network.activity import ActivityRoom, Phase, PortfolioStudy
from imaging_hub.network.operations import Actor

from .test_browser import every_field_is_labelled, serving, sign_in_by_keyboard

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
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:
    with serving(tmp_path_factory.mktemp("activity-web")) as (base, hub):
        ActivityRoom.open(hub.archive.database.writer).put_study(Actor("setup", manager=True), STUDY)
        yield base, hub


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_activity_page_fits_and_takes_a_manual_entry(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    for width, height in ((1280, 900), (375, 740)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "sdm@rxx.example")
        page.goto(base + "/network/activity")
        assert _overflow(page) <= 0, f"/network/activity is {_overflow(page)} px too wide at {width} px"
        assert every_field_is_labelled(page) == []
        charts = page.locator("svg.hub-chart")
        assert charts.count() == 2
        assert all(charts.nth(i).bounding_box()["width"] <= width for i in range(2))
        month = "2025-06" if width == 1280 else "2025-07"
        page.fill("#month", month)
        page.select_option("#measure", "reads")
        page.fill("#count", "5")
        page.fill("#note", "read before the hub")
        page.click("#manual-add")
        page.wait_for_url(base + "/network/activity")
        row = page.locator("#activity-rows tr", has_text=month)
        assert row.count() == 1 and "5" in row.inner_text()
        page.close()
    assert len(ActivityRoom.open(hub.archive.database.writer).manual({"RXX"})) == 2
