"""The web UI in headless Debian Chromium (Playwright): sign in by keyboard, NHS styles served locally,
labelled form fields, readable contrast, agreements expiring soon, auditors filtering the trail with htmx."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, expect

from governance.hub import Hub, build_hub
from governance.network import PASSWORD, START
from imaging_hub.governance import Governance, SettableClock
from imaging_hub.web.assets import installed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:
    assert installed(), "web assets missing: run scripts/build-web-assets.sh"
    with serving(tmp_path_factory.mktemp("web")) as running:
        yield running


@contextlib.contextmanager
def serving(data: Path) -> Iterator[tuple[str, Hub]]:
    """A governed hub on the sample network in ``data``, served by uvicorn on a free port: (base URL, hub)."""
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    hub = build_hub(gov, data / "archive")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(hub.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", hub
    finally:
        server.should_exit = True
        thread.join(10)
        hub.archive.close()
        gov.close()


def sign_in_by_keyboard(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.focus("#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def every_field_is_labelled(page: Page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(el => !(el.id && document.querySelector(`label[for="${el.id}"]`)) && !el.getAttribute('aria-label'))
        .map(el => el.name)""")


def contrast_of(page: Page, selector: str) -> float:
    return page.evaluate(
        """(selector) => {
        const el = document.querySelector(selector);
        const lum = (c) => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        let bg = el, colour = 'rgba(0, 0, 0, 0)';
        while (bg && (colour === 'rgba(0, 0, 0, 0)' || colour === 'transparent')) {
            colour = getComputedStyle(bg).backgroundColor; bg = bg.parentElement; }
        const [a, b] = [lum(getComputedStyle(el).color), lum(colour)].sort((x, y) => y - x);
        return (a + 0.05) / (b + 0.05); }""",
        selector,
    )


def test_sign_in_and_browse_as_researcher(served: tuple[str, Hub], browser: Any) -> None:
    base, _ = served
    page = browser.new_page()
    sign_in_by_keyboard(page, base, "res@uni.example")
    assert page.locator("h1").inner_text() == "Welcome, Rae Researcher"
    # The NHS design system stylesheet came from this server and applies (Frutiger stack, NHS blue header).
    assert "Frutiger" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor") == (
        "rgb(0, 94, 184)"
    )
    assert contrast_of(page, "main h1") >= 4.5
    assert contrast_of(page, ".nhsuk-header__service-name") >= 4.5
    assert page.locator("a[href='/projects/LUNG1']").count() == 1
    page.click("text=Agreements")
    assert "DSA-2026-001" in page.locator("#expiring").inner_text()
    assert page.locator("nav a[href='/audit']").count() == 0  # researchers have no audit page
    page.goto(f"{base}/audit")
    assert page.locator("h1").inner_text() == "Not allowed"
    page.goto(f"{base}/projects/LUNG1")
    assert "<10" in page.locator("table").inner_text()  # small numbers suppressed below project lead
    page.close()


def test_wrong_password_shows_an_error_summary(served: tuple[str, Hub], browser: Any) -> None:
    base, _ = served
    page = browser.new_page()
    page.goto(f"{base}/sign-in")
    page.fill("#email", "res@uni.example")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "There is a problem" in page.locator(".nhsuk-error-summary").inner_text()
    assert every_field_is_labelled(page) == []
    page.close()


def test_administrator_suspends_an_agreement_and_auditor_filters(served: tuple[str, Hub], browser: Any) -> None:
    base, _ = served
    page = browser.new_page()
    sign_in_by_keyboard(page, base, "admin@network.example")
    for path in ("/agreements", "/people", "/sites", "/projects", "/snapshots"):
        page.goto(base + path)
        assert every_field_is_labelled(page) == [], path
    page.goto(f"{base}/agreements")
    page.select_option("#decision-DSA-2026-002", "suspend")
    page.fill("#reason-DSA-2026-002", "annual review")
    page.click("#agreement-DSA-2026-002 button")
    assert "Suspended" in page.locator("#agreement-DSA-2026-002").inner_text()
    page.close()
    auditor = browser.new_page()
    sign_in_by_keyboard(auditor, base, "audit@network.example")
    auditor.goto(f"{base}/audit")
    assert "Intact" not in auditor.locator("main").inner_text()  # viewing does not re-hash the whole chain
    auditor.click("#verify")  # checking it is asked for
    expect(auditor.locator("main")).to_contain_text("Intact")
    auditor.fill("#action", "agreement.suspend")
    auditor.click("#filter")  # htmx swaps only the table
    expect(auditor.locator("#audit-entries caption")).to_have_text(re.compile(r"^1 entries"))
    assert "admin@network.example" in auditor.locator("#audit-entries").inner_text()
    auditor.close()
