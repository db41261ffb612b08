"""The quality page in Chromium at 1280 and 375 px: the planted problems, the drift and dose alerts and the
charts show; the project lead saves a new protocol version (a wrong one is refused, nothing stored); a reader
sees no editor; an outsider is refused; every view, save and refusal is audited."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from governance.hub import Hub
from imaging_hub.governance import AuditFilter
from imaging_hub.quality import Problem, QcRecord, QualityRoom

from .test_browser import every_field_is_labelled, serving, sign_in_by_keyboard

sys.path.insert(0, str(Path(__file__).parents[1] / "quality"))
from quality_records import record

PROTOCOL = """[protocol]
name = "LUNG1 chest"
version = "1.0"
dose = { dlp_mgy_cm = 500 }

[[series]]
name = "CT chest"
match = { modality = "CT" }
drl = "chest"

[series.attributes]
SliceThickness = { min = 2.0, max = 3.0 }
"""
THICK = Problem("max", "SliceThickness", "<= 3", "5", instances=4)
NOISY = Problem("min_snr", "snr", ">= 25", "6.1")


def checked(uid: str, **kwargs: Any) -> QcRecord:
    """A result checked against the project's protocol as the fixture saves it (version 1)."""
    return record(uid, protocol="LUNG1 chest 1.0", **kwargs)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub]]:
    with serving(tmp_path_factory.mktemp("quality-web")) as (base, hub):
        room = QualityRoom.open(hub.archive.database.writer)
        room.save_protocol("LUNG1", PROTOCOL, "lead@uni.example")
        rng = np.random.default_rng(5)
        for i in range(12):  # one scanner whose software upgrade halved its SNR
            upgraded = i >= 6
            room.store("LUNG1", checked(
                f"1.2.{i}", software="VB20" if upgraded else "VB10", acquired=f"202603{i + 1:02d}",
                participant=f"P{i}", site="RXX" if i % 2 else "RYY",
                metrics={"snr": float(rng.normal(20 if upgraded else 40, 1.5)), "ctdivol_mgy": 8.0,
                         "dlp_estimated_mgy_cm": 300.0, "slice_thickness_mm": 2.5}))
        room.store("LUNG1", checked("1.3.1", site="RYY", problems=(THICK,), acquired="20260320", participant="P1",
                                   metrics={"snr": 30.0, "ctdivol_mgy": 14.0, "dlp_estimated_mgy_cm": 400.0}))
        room.store("LUNG1", checked("1.3.2", site="RXX", problems=(NOISY,), acquired="20260321", serial="S2",
                                   metrics={"snr": 6.1}))
        yield base, hub


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_page_shows_problems_alerts_and_charts_at_1280_and_375_px(served: tuple[str, Hub], browser: Any) -> None:
    base, _ = served
    for width, height in ((1280, 900), (375, 740)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "res@uni.example")
        page.goto(f"{base}/projects/LUNG1/quality")
        problems = page.locator("#problems").inner_text()
        assert "SliceThickness: 5 (expected max <= 3)" in problems and "snr: 6.1 (expected min_snr >= 25)" in problems
        alerts = page.locator("#alert-list").inner_text()
        assert "Drift: ACME | Scan 9 | S1, snr changed (software VB10 -> VB20" in alerts
        assert "Dose constraint exceeded: participant P1 at baseline, 700 mGy·cm" in alerts
        assert page.locator("img.hub-chart").count() >= 5  # conformance, box plots, drift, dose, DRL
        assert all(page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"))
        assert "UKHSA" in page.locator("main").inner_text()
        assert page.locator("#protocol-text").count() == 0  # a reader sees the protocol, not the editor
        assert _overflow(page) <= 0, f"the quality page is {_overflow(page)} px too wide at {width} px"
        page.close()


def test_the_lead_saves_a_new_version_and_a_wrong_one_stores_nothing(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    room = QualityRoom.open(hub.archive.database.writer)
    phone = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in_by_keyboard(phone, base, "lead@uni.example")
    phone.goto(f"{base}/projects/LUNG1/quality")
    assert phone.locator("#protocol-text").input_value().startswith("[protocol]")
    assert _overflow(phone) <= 0 and every_field_is_labelled(phone) == []
    phone.close()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_by_keyboard(page, base, "lead@uni.example")
    page.goto(f"{base}/projects/LUNG1/quality")
    assert page.locator("#older-results").count() == 0  # every result is against the current version
    page.fill("#protocol-text", PROTOCOL.replace("max = 3.0", "max = 'thick'"))
    page.click("#save-protocol")
    assert "SliceThickness" in page.locator("#protocol-error").inner_text()
    assert [p.version for p in room.protocol_history("LUNG1")] == [1]
    page.fill("#protocol-text", PROTOCOL.replace('version = "1.0"', 'version = "1.1"'))
    page.click("#save-protocol")
    page.wait_for_url(f"{base}/projects/LUNG1/quality#protocol")
    assert "LUNG1 chest 1.1" in page.locator("#protocol-history").inner_text()
    assert room.protocol("LUNG1").protocol.version == "1.1"  # type: ignore[union-attr]
    # No subscriber runs here: the page says the results are against the earlier version until re-checked.
    older = page.locator("#older-results").inner_text()
    assert "14 of these series were checked against an earlier version" in older
    assert "imaging-hub quality run --project LUNG1" in older
    page.close()
    saves = hub.gov.audit.entries(AuditFilter(actor="lead@uni.example", action="quality.protocol.save"))
    assert sorted(e.outcome for e in saves) == ["failed", "success"]


def test_an_outsider_is_refused_and_every_access_is_audited(served: tuple[str, Hub]) -> None:
    _, hub = served
    outsider = hub.client("dev@pixel.example")  # a researcher at a company with no agreement
    assert outsider.get("/projects/LUNG1/quality").status_code == 403
    answer = outsider.post("/projects/LUNG1/quality/protocol", data={"text": PROTOCOL, "csrf": "x"})
    assert answer.status_code == 403
    assert hub.client("res@uni.example").get("/projects/BRAIN2/quality").status_code == 403
    denied = hub.gov.audit.entries(AuditFilter(actor="dev@pixel.example", action="quality.", outcome="denied"))
    assert {e.action for e in denied} == {"quality.view"}
    viewed = hub.gov.audit.entries(AuditFilter(actor="res@uni.example", action="quality.view", outcome="success"))
    assert viewed and all(e.project == "LUNG1" for e in viewed)


def test_charts_are_drawn_again_only_when_the_results_change(
    served: tuple[str, Hub], monkeypatch: pytest.MonkeyPatch
) -> None:
    from imaging_hub.web.pages import quality as quality_page

    _, hub = served
    drawn: list[str] = []
    real = quality_page.conformance_chart
    monkeypatch.setattr(quality_page, "conformance_chart", lambda overview: drawn.append("x") or real(overview))
    reader = hub.client("res@uni.example")
    assert reader.get("/projects/LUNG1/quality").status_code == 200
    after_first = len(drawn)  # 0 if an earlier view drew these results already
    assert reader.get("/projects/LUNG1/quality").status_code == 200
    assert len(drawn) == after_first, "a view with the same results and protocol reuses the drawn charts"
    QualityRoom.open(hub.archive.database.writer).store("LUNG1", record("1.4.1", site="RXX", acquired="20260322"))
    assert reader.get("/projects/LUNG1/quality").status_code == 200
    assert len(drawn) == after_first + 1, "a new result draws them again"
