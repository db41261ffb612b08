"""The capacity page's actions in Chromium at 1280 and 375 px: publish a session, book a visit (and see a refusal
beside the form), allocate a batch and accept the plan; each answer swapped in by htmx, nothing wider than the
window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.hub import Hub
from imaging_hub.network.operations import NetworkRoom
from network.operations.served import fill

from .test_browser import every_field_is_labelled, serving, sign_in_by_keyboard


@pytest.fixture(scope="module")
def capacity_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:
    with serving(tmp_path_factory.mktemp("capacity-web")) as (base, hub):
        fill(NetworkRoom.open(hub.archive.database.writer))
        yield base, hub


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_capacity_actions_by_clicking_at_1280_and_375_px(
    capacity_served: tuple[str, Hub], browser: Any, tmp_path: Path
) -> None:
    base, hub = capacity_served
    room = NetworkRoom.open(hub.archive.database.writer)
    for width, height in ((1280, 900), (375, 740)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "admin@network.example")
        page.goto(base + "/network/capacity?weeks=4")
        assert _overflow(page) <= 0 and every_field_is_labelled(page) == []

        page.fill("#publish-id", f"RXX-MR-wed-{width}")
        page.select_option("#publish-scanner", "RXX-MR1")
        page.select_option("#publish-day", "2")
        page.click("#publish")
        page.wait_for_selector("#answer-publish .done")
        assert page.url.startswith(base + "/network/capacity?")  # swapped in place, no navigation

        slot = page.locator("#booking-slot option").first.get_attribute("value")
        page.select_option("#booking-slot", slot)
        for field, value in (
            ("visit", f"W{width}"),
            ("participant", "PX-9"),
            ("project", "LUNG1"),
            ("timepoint", "t1"),
        ):
            page.fill(f"#booking-{field}", value)
        page.fill("#booking-minutes", "400")
        page.click("#book")
        page.wait_for_selector("#answer-booking .refusal")
        assert "Nothing was stored" in page.locator("#answer-booking").inner_text()
        page.fill("#booking-minutes", "20")
        page.click("#book")
        page.wait_for_selector("#answer-booking .done")
        assert f"W{width}" in {b.visit_id for b in room.bookings()}
        assert _overflow(page) <= 0

        start = room.now().date()
        batch = tmp_path / f"visits-{width}.csv"
        batch.write_text(
            "visit_id,participant,project,timepoint,minutes,modality,earliest,latest\n"
            f"A{width},PX-{width},LUNG1,t2,20,MR,{start},{start + timedelta(days=27)}\n"
        )
        page.set_input_files("#allocation-file", str(batch))
        page.click("#allocate")
        page.wait_for_selector("#plan")
        assert "feasible session" in page.locator("#plan").inner_text()
        assert _overflow(page) <= 0
        page.click("#accept-plan")
        page.wait_for_selector("#answer-allocation .done")
        assert f"A{width}" in {b.visit_id for b in room.bookings()}
        page.close()
