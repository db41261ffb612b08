"""The forms on an AI tool's page: flag an incident on a case, review and close it, close an alarm. In Chromium at
1280 and 375 px as the LUNG1 lead; hostile and unauthorised posts answered clearly, audited, and storing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from governance.hub import Hub
from imaging_hub.api import SESSION_COOKIE
from imaging_hub.assurance import Actor, AssuranceRoom, RunSpec, ToolSpec
from imaging_hub.governance import AuditFilter, csrf_token

from .test_browser import serving, sign_in_by_keyboard

Served = tuple[str, Hub, dict[str, int]]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One AI tool with a monitoring run in LUNG1 (two open alarms) and one in BRAIN2 (one open alarm)."""
    data = tmp_path_factory.mktemp("assurance-forms")
    with serving(data) as (base, hub):
        room = AssuranceRoom.open(hub.archive.database.writer)
        console = Actor("tests", manages=None)
        tool = room.register_tool(console, ToolSpec("NoduleNet", "Acme AI", "3", "Lung nodules", 0.5, "d" * 64))
        ids = {"tool": tool.id}
        for project, alarms in (("LUNG1", 2), ("BRAIN2", 1)):
            run = room.record_run(
                console,
                tool.id,
                RunSpec("monitoring", "csv", project, f"{project}/v1", "DSA-2026-001", {"n": 10, "alarms": alarms}),
            )
            raised = room.record_alarms(
                console,
                run,
                [
                    {"method": "cusum", "index": 5 + k, "date": "2030-01-02", "detail": "error rate up"}
                    for k in range(alarms)
                ],
            )
            ids[project] = run.id
            ids[f"{project}-alarm"] = raised[0].id
        yield base, hub, ids


def _room(hub: Hub) -> AssuranceRoom:
    return AssuranceRoom.open(hub.archive.database.writer)


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_lead_flags_reviews_and_closes_through_the_forms_at_1280_and_375_px(served: Served, browser: Any) -> None:
    base, hub, ids = served
    for width, height in ((1280, 900), (375, 740)):
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, hub.network.lead.email)
        page.goto(f"{base}/assurance/tools/{ids['tool']}")
        assert _overflow(page) <= 0, f"the tool page is {_overflow(page)} px too wide at {width} px"
        page.click("text=Flag this tool's result on a case")
        page.fill("#flag-case", f"1.2.826.0.1.{width}")
        page.select_option("#flag-kind", "unsafe")
        page.select_option("#flag-harm", "minor")
        page.fill("#flag-description", "<b>Missed</b> a nodule in the left upper lobe")
        page.click("button:has-text('Flag incident')")
        row = page.locator("#incidents + div table tbody tr", has_text=f"1.2.826.0.1.{width}")
        assert row.count() == 1 and "open" in row.inner_text()
        assert page.locator("#incidents + div b").count() == 0  # typed markup is never rendered as markup
        assert _overflow(page) <= 0, f"the incidents table is {_overflow(page)} px too wide at {width} px"
        row.locator("textarea").fill("Confirmed with the reporting radiologist; vendor told")
        row.locator("input[type=checkbox]").check()
        row.locator("button:has-text('Save review')").click()
        row = page.locator("#incidents + div table tbody tr", has_text=f"1.2.826.0.1.{width}")
        assert "closed" in row.inner_text() and row.locator("form").count() == 0
        open_alarms = page.locator("#alarms + div table tbody tr form").count()
        page.locator("#alarms + div table tbody tr form").first.locator("input[name=note]").fill("Scanner recalibrated")
        page.locator("#alarms + div table tbody tr form").first.locator("button").click()
        assert page.locator("#alarms + div table tbody tr form").count() == open_alarms - 1
        page.close()
    flagged = [i for i in _room(hub).incidents(ids["tool"]) if i.case_id.endswith(("1280", "375"))]
    assert [i.status for i in flagged] == ["closed", "closed"] and {i.run_id for i in flagged} == {ids["LUNG1"]}
    assert flagged[0].description.startswith("<b>Missed</b>")  # kept as typed, escaped only on the page
    closes = hub.gov.audit.entries(AuditFilter(action="assurance.alarm.close", limit=10))
    assert [(e.actor, e.outcome) for e in closes] == [(hub.network.lead.email, "success")] * 2


def _post(hub: Hub, email: str, url: str, form: dict[str, str], csrf: bool = True) -> Any:
    client = hub.client(email)
    data = {**form, "csrf": csrf_token(client.cookies[SESSION_COOKIE]) if csrf else "stale"}
    return client.post(url, data=data)


def _audited(hub: Hub, action: str, outcome: str) -> int:
    return sum(1 for e in hub.gov.audit.entries(AuditFilter(action=action, limit=500)) if e.outcome == outcome)


def test_hostile_and_unauthorised_posts_are_refused_audited_and_store_nothing(served: Served) -> None:
    _, hub, ids = served
    lead, researcher = hub.network.lead.email, hub.network.researcher.email
    flag_url = f"/assurance/tools/{ids['tool']}/incidents"
    good = {"run_id": str(ids["LUNG1"]), "case_id": "1.2.3", "kind": "wrong", "harm": "none", "description": "Miss"}
    before = len(_room(hub).incidents(ids["tool"]))

    denied = _audited(hub, "assurance.incident.report", "denied")
    assert _post(hub, researcher, flag_url, good, csrf=False).status_code == 403
    assert _audited(hub, "assurance.incident.report", "denied") == denied + 1

    for field, value, named in (
        ("kind", "catastrophic", "kind"),
        ("harm", "'; drop table x; --", "harm"),
        ("case_id", "x" * 65, "case"),
        ("description", " ", "description"),
        ("description", "y" * 4001, "description"),
    ):
        answer = _post(hub, researcher, flag_url, {**good, field: value})
        assert answer.status_code == 400 and named in answer.text
        assert value.strip() == "" or value not in answer.text  # what was typed is never echoed
    for run in (str(ids["BRAIN2"]), "999999", "0"):  # another project's run answers as an unknown one
        assert _post(hub, researcher, flag_url, {**good, "run_id": run}).status_code == 404
    assert _post(hub, researcher, flag_url, {**good, "run_id": "1 OR 1=1"}).status_code == 422
    assert len(_room(hub).incidents(ids["tool"])) == before

    assert _post(hub, researcher, flag_url, good).status_code == 303  # anyone who sees LUNG1 may flag
    flagged = _room(hub).incidents(ids["tool"])[-1]
    review_url = f"/assurance/incidents/{flagged.id}/review"
    refusals = _audited(hub, "assurance.incident.review", "denied")
    assert _post(hub, researcher, review_url, {"review": "Fine", "close": "yes"}).status_code == 403
    assert _audited(hub, "assurance.incident.review", "denied") == refusals + 1
    assert _post(hub, lead, review_url, {"review": "  "}).status_code == 400
    assert _room(hub).incident(flagged.id).status == "open"
    assert _post(hub, lead, review_url, {"review": "Checked"}).status_code == 303
    assert _room(hub).incident(flagged.id).status == "reviewing"
    assert _post(hub, lead, review_url, {"review": "Done", "close": "yes"}).status_code == 303
    assert _post(hub, lead, review_url, {"review": "Again", "close": "yes"}).status_code == 409

    brain_alarm = f"/assurance/alarms/{ids['BRAIN2-alarm']}/close"
    assert _post(hub, lead, brain_alarm, {"note": "Not mine"}).status_code == 403  # lead of LUNG1 only
    assert _post(hub, hub.network.admin.email, brain_alarm, {"note": ""}).status_code == 400
    assert _room(hub).alarm(ids["BRAIN2-alarm"]).open
    assert _post(hub, hub.network.admin.email, brain_alarm, {"note": "Checked"}).status_code == 303
    assert not _room(hub).alarm(ids["BRAIN2-alarm"]).open
    assert _post(hub, lead, "/assurance/alarms/999999/close", {"note": "x"}).status_code == 404


def test_a_segmentation_run_links_its_scores_read_through_the_audited_route(served: Served, tmp_path: Any) -> None:
    _, hub, ids = served
    (tmp_path / "segmentation.json").write_text(json.dumps({"cases": [], "summary": {"dice": {"mean": 0.8125}}}))
    run = _room(hub).record_run(
        Actor("tests", manages=None),
        ids["tool"],
        RunSpec(
            "validation",
            "dicom",
            "LUNG1",
            "LUNG1/v1",
            "DSA-2026-001",
            {"n": 0, "segmentation": {"dice": {"mean": 0.8125}}},
            str(tmp_path),
        ),
    )
    client = hub.client(hub.network.lead.email)
    assert "Segmentation (mean Dice 0.812" in client.get(f"/assurance/tools/{ids['tool']}").text
    answer = client.get(f"/assurance/runs/{run.id}/segmentation.json")
    assert answer.status_code == 200 and answer.json()["summary"]["dice"]["mean"] == 0.8125
