"""The spoke's review page in Chromium, served by the spoke's own app (never the hub): the address with the
secret signs the browser in, the thumbnail with the proposed mask is drawn, a reviewer adds a mask and
releases; a browser without the secret gets nothing but a refusal, and every request is in the spoke's
review audit. Fits 1280 and 375 px."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pydicom
import pytest
import uvicorn

from imaging_hub.spoke import connect, review_audit_entries
from imaging_hub.spoke.delivery import outbox
from imaging_hub.web import spoke_review_app
from imaging_hub.web.assets import installed
from spoke.held_spoke import HeldSpoke, held_spoke

from .test_browser import free_port

SECRET = "review-secret-for-the-test"


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, HeldSpoke]]:
    assert installed(), "web assets missing: run scripts/build-web-assets.sh"
    spoke = held_spoke(tmp_path / "site")
    port = free_port()
    app = spoke_review_app(spoke.data, "carol", SECRET, site_id="RX1")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", spoke
    finally:
        server.should_exit = True
        thread.join(10)


def _wait_for_thumbnail(page: Any) -> None:
    """Until the picture has loaded (polled here: the page's policy forbids the evaluated predicate
    Playwright's wait_for_function would use)."""
    page.locator("#thumbnail").wait_for()
    for _ in range(200):
        if page.evaluate("document.getElementById('thumbnail').naturalWidth") > 0:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the thumbnail was not drawn")


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_reviewer_sees_the_thumbnail_adds_a_mask_and_releases(served: tuple[str, HeldSpoke], browser: Any) -> None:
    base, spoke = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/review?token={SECRET}")
    assert page.url == f"{base}/review"  # the secret is not left in the address bar
    assert "could not read" in page.locator("main table").inner_text()
    assert _overflow(page) <= 0
    page.locator("main table a").first.click()
    _wait_for_thumbnail(page)
    assert "1 mask(s) the text screen proposes" in page.locator("figcaption").inner_text()
    for name, value in (("x", "0"), ("y", "0"), ("width", "60"), ("height", "14")):
        page.fill(f"#{name}", value)
    page.get_by_role("button", name="Add mask").click()
    assert "Mask added" in page.locator("[role=status]").inner_text()
    assert "1 mask(s) added by a reviewer" in page.locator("figcaption").inner_text()
    assert _overflow(page) <= 0
    page.locator("#release").click()
    assert "Released with 2 mask(s)" in page.locator("[role=status]").inner_text()
    assert "Nothing is held for review" in page.locator("main table").inner_text()
    page.close()

    conn = connect(spoke.data)
    try:
        (due,) = outbox.due(conn, 100, 1 << 30)
        entries = review_audit_entries(conn)
    finally:
        conn.close()
    assert not pydicom.dcmread(due.blob).pixel_array[0:14, 0:60].any()
    assert {(e.reviewer, e.interface) for e in entries} == {("carol", "web")}
    assert {"list", "view", "thumbnail", "mask", "release"} <= {e.action for e in entries}


def test_phone_width_and_refusals_without_the_secret(served: tuple[str, HeldSpoke], browser: Any) -> None:
    base, spoke = served
    page = browser.new_page(viewport={"width": 375, "height": 740})
    page.goto(f"{base}/review?token={SECRET}")
    assert _overflow(page) <= 0
    page.locator("main table a").first.click()
    _wait_for_thumbnail(page)
    assert _overflow(page) <= 0
    item_url = page.url
    page.close()

    stranger = httpx.Client(base_url=base)
    assert stranger.get("/review?token=wrong").status_code == 403
    assert stranger.get("/review").status_code == 403
    assert stranger.get(item_url.removeprefix(base) + "/thumbnail.png").status_code == 403
    assert stranger.post(item_url.removeprefix(base) + "/reject").status_code == 403
    signed_in = httpx.Client(base_url=base, cookies={"spoke_review": SECRET})
    forged = signed_in.post(item_url.removeprefix(base) + "/release", data={"csrf": "guess"})
    assert forged.status_code == 403  # signed in, but the form did not come from the page
    conn = connect(spoke.data)
    try:
        refused = [(e.action, e.outcome) for e in review_audit_entries(conn) if e.outcome.startswith("refused")]
        state = conn.exec_driver_sql("SELECT state FROM instance").scalar_one()
    finally:
        conn.close()
    assert refused == [
        ("release", "refused: form token missing or wrong"),
        ("reject", "refused: not signed in"),
        ("thumbnail", "refused: not signed in"),
        ("list", "refused: not signed in"),
        ("sign-in", "refused: wrong secret"),
    ]
    assert state == "held"
