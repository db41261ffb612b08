"""Pages in Chromium as each role uses them, at a 1280 px window and a 375 px phone: a researcher's
reconciliation counts; a lead releasing a snapshot; a person's own DICOMweb tokens; spoke health for the
network manager; a project's status once data flows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from governance.hub import Hub, study_bytes
from imaging_hub.governance import SYSTEM, Scope
from imaging_hub.hub import Caller, HubRoom
from imaging_hub.spoke import ReconciliationReport, StudyReport

from .test_browser import served, sign_in_by_keyboard

__all__ = ["served"]  # the fixture, shared with test_browser (browser comes from conftest)

WIDTHS = ((1280, 900), (375, 740))


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_a_researcher_sees_their_projects_reconciliation_counts(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    room = HubRoom.open(hub.archive)  # the reports live in the archive's database
    studies = [
        StudyReport(
            project_id="LUNG1",
            participant_id=f"LUNG1-{n:03}",
            study_uid=f"2.25.{n}",
            expected_instances=2,
            received=2,
            deidentified=2,
            delivered=2,
        )
        for n in range(12)
    ]
    room.reconciliation.receive(Caller("spoke:RXX"), ReconciliationReport(site_id="RXX", studies=studies))
    room.reconciliation.receive(
        Caller("spoke:RYY"),
        ReconciliationReport(
            site_id="RYY",
            studies=[
                StudyReport(project_id="BRAIN2", participant_id="BRAIN2-001", study_uid="2.25.99", expected_instances=1)
            ],
        ),
    )
    for width, height in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "res@uni.example")
        page.goto(f"{base}/reconciliation")
        rows = page.locator("table.nhsuk-table tbody tr")
        assert rows.count() == 1  # LUNG1 at RXX; BRAIN2 is not theirs
        assert rows.first.locator("td").all_inner_texts() == ["LUNG1", "RXX", "0", "12", "0"]  # none small
        assert page.locator("#counts-only").is_visible()
        assert "LUNG1-0" not in page.locator("main").inner_text()  # counts only, never a participant
        assert _overflow(page) <= 0, f"/reconciliation is {_overflow(page)} px too wide at {width} px"
        page.close()


def test_a_lead_releases_a_snapshot_in_the_page_and_it_is_audited(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    for width, height in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "lead@uni.example")
        page.goto(f"{base}/snapshots")
        assert _overflow(page) <= 0, f"/snapshots is {_overflow(page)} px too wide at {width} px"
        page.locator("#release summary").click()
        page.select_option("#release-project", "LUNG1")
        page.select_option("#release-agreement", "DSA-2026-001")
        page.fill("#release-description", f"released at {width} px")
        page.click("#release button[type=submit]")
        page.wait_for_url(f"{base}/snapshots?project=LUNG1*")
        versions = page.locator("tbody tr[id^=LUNG1-v]").count()
        assert versions >= 2  # the build's v1 and this one
        assert page.locator(f"#LUNG1-v{versions}").is_visible()
        page.close()
    released = [e for e in hub.gov.audit.entries() if e.action == "snapshot.create" and e.actor == "lead@uni.example"]
    assert len(released) >= 2 and all(e.outcome == "success" for e in released[:2])


def test_the_release_form_is_only_for_leads_and_the_domain_refuses_others(
    served: tuple[str, Hub], browser: Any
) -> None:
    base, hub = served
    page = browser.new_page()
    sign_in_by_keyboard(page, base, "res@uni.example")
    page.goto(f"{base}/snapshots")
    assert page.locator("#release").count() == 0
    csrf = (
        page.locator("input[name=csrf]").first.get_attribute("value")
        if page.locator("input[name=csrf]").count()
        else ""
    )
    answer = page.request.post(
        f"{base}/snapshots",
        form={"csrf": csrf or "", "project": "LUNG1", "agreement": "DSA-2026-001", "description": "not mine"},
    )
    assert answer.status == 403
    page.close()
    refused = [e for e in hub.gov.audit.entries() if e.action == "snapshot.create" and e.actor == "res@uni.example"]
    assert refused and refused[0].outcome == "denied"


def test_a_researcher_creates_uses_and_revokes_their_own_token(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    for width, height in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "res@uni.example")
        page.goto(f"{base}/tokens")
        assert page.locator("input[name=scopes]").evaluate_all("els => els.map(e => e.value)") == ["dicom:read"]
        page.fill("#token-name", f"notebook {width}")
        page.click("#create-token button[type=submit]")
        secret = page.locator("#token-secret").input_value()
        key_id = page.locator("#new-token h2").inner_text().split()[1]
        assert _overflow(page) <= 0, f"/tokens is {_overflow(page)} px too wide at {width} px"
        bearer = {"Authorization": f"Bearer {secret}", "Accept": "application/dicom+json"}
        assert httpx.get(f"{base}/dicom-web/studies", headers=bearer).status_code == 200
        page.goto(f"{base}/tokens")
        assert secret not in page.content()  # shown once
        row = page.locator(f"#token-{key_id}")
        assert "Active" in row.inner_text()
        row.locator("button").click()
        page.wait_for_url(f"{base}/tokens")
        assert "Revoked" in page.locator(f"#token-{key_id}").inner_text()
        assert httpx.get(f"{base}/dicom-web/studies", headers=bearer).status_code == 401
        page.close()
    actions = [(e.action, e.outcome) for e in hub.gov.audit.entries() if e.actor == "res@uni.example"]
    assert ("token.create", "success") in actions and ("token.revoke", "success") in actions


def test_a_token_page_grants_no_more_than_the_api(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    page = browser.new_page()
    sign_in_by_keyboard(page, base, "res@uni.example")
    page.goto(f"{base}/tokens")
    csrf = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    forged = page.request.post(f"{base}/tokens", form={"csrf": csrf, "name": "x", "scopes": "dicom:write", "days": "9"})
    assert forged.status == 403  # a researcher's roles do not store data
    other = hub.gov.access.issue_token(
        SYSTEM, hub.network.lead.person_id, "lead's", frozenset({Scope.GOVERNANCE_READ}), timedelta(days=1)
    )[1]
    assert page.request.post(f"{base}/tokens/{other.key_id}/revoke", form={"csrf": csrf}).status == 403
    page.goto(f"{base}/tokens")
    assert other.key_id not in page.content()  # another person's token is not listed
    page.close()
    denied = {e.action for e in hub.gov.audit.entries() if e.actor == "res@uni.example" and e.outcome == "denied"}
    assert {"token.create", "token.revoke"} <= denied


def test_a_projects_status_moves_from_setup_to_active_as_agreement_and_data_arrive(
    served: tuple[str, Hub], browser: Any
) -> None:
    base, hub = served
    gov = hub.gov
    gov.projects.create(SYSTEM, "HEART3", "Cardiac MRI", site_codes=["RXX"])
    page = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in_by_keyboard(page, base, "admin@network.example")

    def shown() -> str:
        page.goto(f"{base}/projects")
        assert _overflow(page) <= 0
        return page.locator("tr:has(a[href='/projects/HEART3']) td[data-phase]").get_attribute("data-phase") or ""

    assert shown() == "setup"
    now = gov.clock()
    uni = hub.network.researcher.organisation_id
    gov.agreements.create(
        SYSTEM, "DSA-HEART", uni, ["HEART3"], "p", ["imaging"], now - timedelta(days=1), now + timedelta(days=9)
    )
    gov.agreements.decide(SYSTEM, "DSA-HEART", "activate")
    assert shown() == "open"
    for blob in study_bytes("HEART3", "RXX", seed=303):
        hub.archive.store_bytes(blob)
    assert shown() == "active"  # stored status still "setup": data flows, so it no longer reads so
    assert gov.projects.get("HEART3").status == "setup"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/projects/HEART3")
    assert page.locator("#project-phase").inner_text().startswith("Active")
    assert _overflow(page) <= 0
    gov.projects.update(SYSTEM, "HEART3", status="closed")
    assert shown() == "closed"
    page.close()


def test_the_network_manager_sees_which_spokes_are_up(served: tuple[str, Hub], browser: Any) -> None:
    base, hub = served
    beat = {"site_id": "RXX", "backlog": {"queued": 12, "acknowledged": 300}, "accepting": True, "version": "0.1.0"}
    assert hub.client("sdm@rxx.example").post("/spokes/heartbeat", json=beat).status_code == 204
    for width, height in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": height})
        sign_in_by_keyboard(page, base, "admin@network.example")
        page.goto(f"{base}/spoke-health")
        assert page.locator("#spoke-RXX").get_attribute("data-state") == "up"
        assert page.locator("#spoke-RYY").get_attribute("data-state") == "never"
        assert "12" in page.locator("#spoke-RXX td").nth(2).inner_text()
        assert _overflow(page) <= 0, f"/spoke-health is {_overflow(page)} px too wide at {width} px"
        page.close()
