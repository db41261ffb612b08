"""The AI assurance pages in Chromium at 1280 and 375 px: the register, a tool's page with its validation chart,
reports and open alarm, a report opened through the audited route; an outsider sees no run of another project."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from assurance.cases import simulate, write_csv
from assurance.stream import write_stream
from governance.hub import Hub
from imaging_hub.assurance import (
    Actor,
    AssuranceRoom,
    MonitorOptions,
    RunSpec,
    ToolSpec,
    ValidationOptions,
    monitor_csv,
    read_cases,
    validate_table,
)
from imaging_hub.governance import AuditFilter

from .test_browser import serving, sign_in_by_keyboard


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Hub, int]]:
    """A served hub with one AI tool: a validation and a monitoring run (one alarm) in LUNG1, and a validation in
    BRAIN2, which LUNG1's lead does not see; returns the BRAIN2 run's id too."""
    data = tmp_path_factory.mktemp("assurance-web")
    with serving(data) as (base, hub):
        room = AssuranceRoom.open(hub.archive.database.writer)
        console = Actor("tests", manages=None)
        tool = room.register_tool(console, ToolSpec("ChestCheck", "Acme AI", "2.1", "Flag likely lung nodules on "
                                                    "chest radiographs", 0.5, "c" * 64))
        document = validate_table(read_cases(write_csv(data / "cases.csv", simulate(300))), ValidationOptions(0.5),
                                  data / "validation", {"name": "LUNG1/v1", "sha256": "0" * 64})
        for project in ("LUNG1", "BRAIN2"):
            hidden = room.record_run(console, tool.id, RunSpec(
                "validation", "csv", project, f"{project}/v1", "DSA-2026-001",
                {"n": document["n"], "auc": document["auc"]}, str(data / "validation")))
        monitored = monitor_csv(write_stream(data / "stream.csv", 1200, 0.1, change_at=800, error_after=0.3),
                                MonitorOptions(0.5, 400), data / "monitor")
        run = room.record_run(console, tool.id, RunSpec("monitoring", "csv", "LUNG1", "LUNG1/v1", "DSA-2026-001",
                                                        {"n": 1200, "alarms": len(monitored["alarms"])},
                                                        str(data / "monitor")))
        room.record_alarms(console, run, monitored["alarms"][:1])
        yield base, hub, hidden.id


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_assurance_pages_fit_1280_and_375_px_and_show_the_tools_evidence(served: tuple[str, Hub, int],
                                                                         browser: Any) -> None:
    base, hub, _ = served
    for width, height in ((1280, 900), (375, 740)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, hub.network.lead.email)
        page.goto(f"{base}/assurance")
        assert page.locator("table").inner_text().count("ChestCheck 2.1") == 1
        assert _overflow(page) <= 0, f"/assurance is {_overflow(page)} px too wide at {width} px"
        page.click("text=ChestCheck 2.1")
        assert page.locator("h1").inner_text() == "ChestCheck 2.1"
        assert "row " in page.locator("#alarms + div table tbody").inner_text()
        chart = page.locator(".hub-chart img").first
        for inline in ("#cusum-chart img", "#ewma-chart img"):  # the newest monitoring run's charts, inline
            drawn = page.locator(inline)
            assert drawn.get_attribute("src").startswith("data:image/svg+xml") and drawn.evaluate("i => i.naturalWidth")
        assert chart.get_attribute("src").startswith("data:image/svg+xml") and chart.evaluate("i => i.naturalWidth") > 0
        assert page.locator("#validations ~ div table").first.locator("tbody tr").count() == 1  # BRAIN2's hidden
        assert _overflow(page) <= 0, f"the tool page is {_overflow(page)} px too wide at {width} px"
        page.click("text=HTML")
        assert page.locator("h2", has_text="Plain-language summary").count() == 1
        page.close()
    reads = hub.gov.audit.entries(AuditFilter(action="assurance.report.read", limit=10))
    files = [(json.loads(e.detail).get("file"), e.outcome) for e in reads]
    assert files.count(("report.html", "success")) == 2
    assert files.count(("monitor.json", "success")) == 2  # the tool page's inline control charts, one per view


def test_a_run_of_a_project_the_person_does_not_see_is_refused_and_audited(served: tuple[str, Hub, int]) -> None:
    _, hub, hidden = served
    lead = hub.client(hub.network.lead.email)
    answer = lead.get(f"/assurance/runs/{hidden}/report.html")
    assert answer.status_code == 403 and "Plain-language" not in answer.text
    denied = hub.gov.audit.entries(AuditFilter(action="assurance.report.read", outcome="denied", limit=10))
    assert [e.entity_id for e in denied] == [str(hidden)]
    assert lead.get("/assurance/runs/999/report.html").status_code == 404
    assert lead.get(f"/assurance/runs/{hidden - 1}/../../etc/passwd").status_code == 404
