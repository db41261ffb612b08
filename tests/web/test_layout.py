"""The pages in Chromium at a 1280 px window and a 375 px phone: nothing wider than the window (the audit
table included, its long values cut with the whole value on hover); 404s as a page for browsers; the
agreement decision box offers only what the agreement's state allows."""

from __future__ import annotations

from typing import Any

import httpx

from governance.hub import Hub

from .test_browser import served, sign_in_by_keyboard

__all__ = ["served"]  # the fixture, shared with test_browser (browser comes from conftest)

PAGES = ("/", "/projects", "/projects/LUNG1", "/sites", "/people", "/agreements", "/snapshots", "/audit")


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than its window (0: it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_main_pages_fit_1280_and_375_px(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    reader = hub.client(hub.network.researcher.email)
    for _ in range(3):  # data access with long UIDs in the audit trail
        reader.get("/dicom-web/instances", headers={"Accept": "application/dicom+json"})
    for width, height in ((1280, 900), (375, 740)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "admin@network.example")
        for path in PAGES:
            page.goto(base + path)
            assert _overflow(page) <= 0, f"{path} is {_overflow(page)} px too wide at {width} px"
        page.close()


def test_audit_table_fits_1280_px_with_whole_values_on_hover(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    hub.client(hub.network.researcher.email).get("/dicom-web/instances", headers={"Accept": "application/dicom+json"})
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_by_keyboard(page, base, "audit@network.example")
    page.goto(f"{base}/audit?action=dicom.search")
    table = page.locator("#audit-entries table")
    assert table.bounding_box()["width"] <= 1280
    cut = page.locator("#audit-entries .hub-cut").first
    assert cut.get_attribute("title").startswith("instances ")
    assert cut.get_attribute("title").split(" ", 1)[1] in (cut.text_content() or "")
    page.close()


def test_not_found_is_a_page_for_browsers_and_json_for_programs(served: tuple[str, Hub], browser: Any) -> None:
    base, _ = served
    page = browser.new_page()
    answer = page.goto(f"{base}/no-such-page")
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert "/no-such-page" in page.locator("main").inner_text()
    page.close()
    program = httpx.get(f"{base}/no-such-page", headers={"Accept": "application/json"})
    assert program.status_code == 404 and program.json() == {"detail": "Not Found"}
    api = httpx.get(f"{base}/api/governance/nothing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_decision_box_offers_only_what_the_state_allows(served: tuple[str, Hub], browser: Any) -> None:
    base, _ = served
    page = browser.new_page()
    sign_in_by_keyboard(page, base, "admin@network.example")
    page.goto(f"{base}/agreements")
    options = page.locator("#decision-DSA-2026-001 option").all_inner_texts()
    assert options == ["Suspend", "Terminate"]  # active: never "Activate", and nothing drastic by default
    page.close()
