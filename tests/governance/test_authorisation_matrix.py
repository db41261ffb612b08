"""Authorisation, generated from the route table: every HTTP route x every role x inside/outside the project
x with/without an agreement in force. A route the matrix does not cover fails the test."""

from __future__ import annotations

import io
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydicom import dcmread

from imaging_hub.governance import SYSTEM, Governance, SettableClock

from . import labelling_matrix as labelling
from .hub import Hub, build_hub, study_bytes
from .network import START

ROLES = (
    "anonymous",
    "network_administrator",
    "auditor",
    "site_data_manager",
    "project_lead",
    "researcher",
    "annotator",
)
EMAILS = {
    "network_administrator": "admin@network.example",
    "auditor": "audit@network.example",
    "site_data_manager": "sdm@rxx.example",
    "project_lead": "lead@uni.example",
    "researcher": "res@uni.example",
    "annotator": "ann@uni.example",
}
PROJECT_ROLES = {"project_lead", "researcher", "annotator"}
DATA_READERS = PROJECT_ROLES  # and only under an agreement in force


@dataclass(frozen=True)
class Cell:
    role: str
    inside: bool  # the route targets the project the role is held in (LUNG1), or another (BRAIN2)
    agreement: bool  # the recipient organisation's agreements are in force, or suspended

    @property
    def project(self) -> str:
        return "LUNG1" if self.inside else "BRAIN2"

    @property
    def signed_in(self) -> bool:
        return self.role != "anonymous"

    @property
    def admin(self) -> bool:
        return self.role == "network_administrator"

    @property
    def oversight(self) -> bool:
        return self.role in {"network_administrator", "auditor"}

    @property
    def sees_project(self) -> bool:  # site data manager works at RXX, which takes part in LUNG1 only
        return self.oversight or (self.inside and self.role in PROJECT_ROLES | {"site_data_manager"})

    @property
    def reads_data(self) -> bool:
        return self.role in DATA_READERS and self.inside and self.agreement

    @property
    def writes_data(self) -> bool:
        return self.inside and self.role in {"site_data_manager", "project_lead"}

    @property
    def lead_inside(self) -> bool:
        return self.role == "project_lead" and self.inside


Request = tuple[str, str, dict[str, Any]]  # method, url, httpx keyword arguments
Builder = Callable[[Hub, Cell], Request]


@dataclass(frozen=True)
class Rule:
    build: Builder
    allowed: Callable[[Cell], bool]
    visible: Callable[[Hub, Cell, Any], bool] | None = None  # for searches: allowed means "the data shows"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


def get(url: str) -> Builder:
    return lambda hub, cell: ("GET", url.format(p=cell.project, **_uids(hub, cell)), {})


def _uids(hub: Hub, cell: Cell) -> dict[str, str]:
    study, series, sop = hub.instances[cell.project]
    return {"study": study, "series": series, "sop": sop}


def new_person(hub: Hub) -> int:
    return hub.gov.directory.create_person(
        SYSTEM, f"{unique('p')}@uni.example".lower(), "New Person", hub.network.researcher.organisation_id
    ).id


def grant_body(hub: Hub, cell: Cell) -> Request:
    return (
        "POST",
        f"/api/governance/people/{new_person(hub)}/roles",
        {"json": {"role": "researcher", "project": cell.project}},
    )


def revoke(hub: Hub, cell: Cell) -> Request:
    membership = hub.gov.directory.grant(SYSTEM, new_person(hub), "researcher", project_code=cell.project)
    return "DELETE", f"/api/governance/roles/{membership.id}", {}


def token_for_self(hub: Hub, cell: Cell) -> Request:
    person = hub.gov.directory.person_by_email(EMAILS.get(cell.role, "admin@network.example"))
    assert person is not None
    return (
        "POST",
        "/api/governance/tokens",
        {"json": {"person_id": person.id, "name": "runner", "scopes": ["governance:read"], "days": 1}},
    )


def revoke_own_token(hub: Hub, cell: Cell) -> Request:
    person = hub.gov.directory.person_by_email(EMAILS.get(cell.role, "admin@network.example"))
    assert person is not None
    _, row = hub.gov.access.issue_token(SYSTEM, person.id, "t", frozenset(hub_scopes()), timedelta(days=1))
    return "DELETE", f"/api/governance/tokens/{row.key_id}", {}


def hub_scopes() -> set[Any]:
    from imaging_hub.governance import Scope

    return {Scope.GOVERNANCE_READ}  # a scope every role may give its tokens


def agreement_body(hub: Hub, cell: Cell) -> Request:
    now = hub.gov.clock()
    return (
        "POST",
        "/api/governance/agreements",
        {
            "json": {
                "reference": unique("DSA-"),
                "organisation_id": hub.network.outsider.organisation_id,
                "projects": [cell.project],
                "purpose": "p",
                "permitted_data": ["imaging"],
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(days=5)).isoformat(),
            }
        },
    )


def decision(hub: Hub, cell: Cell) -> Request:
    reference = unique("DSA-")
    now = hub.gov.clock()
    hub.gov.agreements.create(
        SYSTEM,
        reference,
        hub.network.outsider.organisation_id,
        [cell.project],
        "p",
        ["imaging"],
        now,
        now + timedelta(days=3),
    )
    return "POST", f"/api/governance/agreements/{reference}/decisions", {"json": {"decision": "activate"}}


def web_decision(hub: Hub, cell: Cell) -> Request:
    _, url, _ = decision(hub, cell)
    return "POST", url.replace("/api/governance", ""), {"data": {"decision": "activate", "csrf": "{csrf}"}}


def attestation(hub: Hub, cell: Cell) -> Request:
    _, url, _ = decision(hub, cell)
    reference = url.split("/")[-2]
    hub.gov.agreements.terminate(SYSTEM, reference, "ended")
    return (
        "POST",
        f"/api/governance/agreements/{reference}/deletion-attestation",
        {"json": {"attested_by": "Recipient DPO"}},
    )


def stow(hub: Hub, cell: Cell) -> Request:
    boundary = "imaginghubboundary"
    part = study_bytes(cell.project, "RXX" if cell.inside else "RYY", seed=hash(uuid.uuid4()) % 10_000)[0]
    body = (
        f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part + f"\r\n--{boundary}--\r\n".encode()
    )
    return (
        "POST",
        "/dicom-web/studies",
        {
            "content": body,
            "headers": {"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'},
        },
    )


def fresh_session(path: str) -> Builder:
    return lambda hub, cell: (
        "POST" if path == "/sign-out" else "DELETE",
        path,
        {"fresh_session": True, **({"data": {"csrf": "{csrf}"}} if path == "/sign-out" else {})},
    )


def in_study_search(hub: Hub, cell: Cell, answer: Any) -> bool:
    return answer.status_code == 200 and hub.studies[cell.project] in answer.text


def signed_out(hub: Hub, cell: Cell, answer: Any) -> bool:
    return answer.status_code == 303 and "imaging_hub_session=" in answer.headers.get("set-cookie", "")


ANY = lambda cell: cell.signed_in  # noqa: E731
PUBLIC = lambda cell: True  # noqa: E731
NOBODY = lambda cell: False  # noqa: E731
ADMIN = lambda cell: cell.admin  # noqa: E731
OVERSIGHT = lambda cell: cell.oversight  # noqa: E731
SEES = lambda cell: cell.sees_project  # noqa: E731
READS = lambda cell: cell.reads_data  # noqa: E731
CAPACITY = lambda cell: cell.oversight or cell.role == "site_data_manager"  # noqa: E731  (network capacity pages)
UNI = {"project_lead", "researcher", "annotator"}

W = "/dicom-web/studies/{study}"
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/openapi.json"): Rule(get("/openapi.json"), ANY),
    ("GET", "/docs"): Rule(get("/docs"), ANY),
    ("GET", "/healthz"): Rule(get("/healthz"), PUBLIC),
    # DICOMweb: searches show the project's study only to readers under an agreement; retrieval answers 404.
    ("POST", "/dicom-web/studies"): Rule(stow, lambda c: c.writes_data),
    ("POST", "/dicom-web/studies/{study}"): Rule(
        lambda h, c: (lambda r: ("POST", f"/dicom-web/studies/{_new_study(r)}", r[2]))(stow(h, c)),
        lambda c: c.writes_data,
    ),
    ("GET", "/dicom-web/studies"): Rule(get("/dicom-web/studies"), READS, in_study_search),
    ("GET", "/dicom-web/series"): Rule(get("/dicom-web/series"), READS, in_study_search),
    ("GET", "/dicom-web/instances"): Rule(get("/dicom-web/instances"), READS, in_study_search),
    ("GET", "/dicom-web/studies/{study}/series"): Rule(get(W + "/series"), READS, in_study_search),
    ("GET", "/dicom-web/studies/{study}/instances"): Rule(get(W + "/instances"), READS, in_study_search),
    ("GET", "/dicom-web/studies/{study}/series/{series}/instances"): Rule(
        get(W + "/series/{series}/instances"), READS, in_study_search
    ),
    ("GET", "/dicom-web/studies/{study}"): Rule(get(W), READS),
    ("GET", "/dicom-web/studies/{study}/series/{series}"): Rule(get(W + "/series/{series}"), READS),
    ("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}"): Rule(
        get(W + "/series/{series}/instances/{sop}"), READS
    ),
    ("GET", "/dicom-web/studies/{study}/metadata"): Rule(get(W + "/metadata"), READS),
    ("GET", "/dicom-web/studies/{study}/series/{series}/metadata"): Rule(get(W + "/series/{series}/metadata"), READS),
    ("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}/metadata"): Rule(
        get(W + "/series/{series}/instances/{sop}/metadata"), READS
    ),
    ("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}/rendered"): Rule(
        get(W + "/series/{series}/instances/{sop}/rendered"), READS
    ),
    ("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}/frames/{frames}/rendered"): Rule(
        get(W + "/series/{series}/instances/{sop}/frames/1/rendered"), READS
    ),
    ("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}/frames/{frames}"): Rule(
        get(W + "/series/{series}/instances/{sop}/frames/1"), READS
    ),
    ("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}/bulkdata/{path:path}"): Rule(
        get(W + "/series/{series}/instances/{sop}/bulkdata/7FE00010"), READS
    ),
    # Governance API
    ("POST", "/api/governance/session"): Rule(
        lambda h, c: (
            "POST",
            "/api/governance/session",
            {"json": {"email": "res@uni.example", "password": "correct horse battery staple"}},
        ),
        PUBLIC,
    ),
    ("DELETE", "/api/governance/session"): Rule(fresh_session("/api/governance/session"), ANY),
    ("GET", "/api/governance/me"): Rule(get("/api/governance/me"), ANY),
    ("GET", "/api/governance/tokens"): Rule(get("/api/governance/tokens"), ANY),
    ("POST", "/api/governance/tokens"): Rule(token_for_self, ANY),
    ("DELETE", "/api/governance/tokens/{key_id}"): Rule(revoke_own_token, ANY),
    ("POST", "/api/governance/dimse-peers"): Rule(
        lambda h, c: (
            "POST",
            "/api/governance/dimse-peers",
            {"json": {"ae_title": unique("AE"), "address": "*", "person_id": h.network.researcher.person_id}},
        ),
        ADMIN,
    ),
    ("GET", "/api/governance/audit"): Rule(get("/api/governance/audit?project={p}"), OVERSIGHT),
    ("GET", "/api/governance/audit/verify"): Rule(get("/api/governance/audit/verify"), OVERSIGHT),
    ("GET", "/api/governance/audit/fhir"): Rule(get("/api/governance/audit/fhir?limit=5"), OVERSIGHT),
    ("GET", "/api/governance/sites"): Rule(get("/api/governance/sites"), ANY),
    ("POST", "/api/governance/sites"): Rule(
        lambda h, c: ("POST", "/api/governance/sites", {"json": {"ods_code": unique("R"), "name": "Trust"}}), ADMIN
    ),
    ("GET", "/api/governance/organisations"): Rule(get("/api/governance/organisations"), ANY),
    ("POST", "/api/governance/organisations"): Rule(
        lambda h, c: ("POST", "/api/governance/organisations", {"json": {"name": unique("Org "), "kind": "company"}}),
        ADMIN,
    ),
    ("GET", "/api/governance/people"): Rule(get("/api/governance/people"), ANY),
    ("POST", "/api/governance/people"): Rule(
        lambda h, c: (
            "POST",
            "/api/governance/people",
            {
                "json": {
                    "email": f"{unique('n')}@x.example".lower(),
                    "display_name": "N",
                    "organisation_id": h.network.researcher.organisation_id,
                }
            },
        ),
        ADMIN,
    ),
    ("POST", "/api/governance/people/{person_id}/roles"): Rule(grant_body, lambda c: c.admin or c.lead_inside),
    ("DELETE", "/api/governance/roles/{membership_id}"): Rule(revoke, lambda c: c.admin or c.lead_inside),
    ("GET", "/api/governance/projects"): Rule(get("/api/governance/projects"), ANY),
    ("POST", "/api/governance/projects"): Rule(
        lambda h, c: ("POST", "/api/governance/projects", {"json": {"code": unique("P"), "title": "T"}}), ADMIN
    ),
    ("GET", "/api/governance/projects/{code}"): Rule(get("/api/governance/projects/{p}"), SEES),
    ("PATCH", "/api/governance/projects/{code}"): Rule(
        lambda h, c: ("PATCH", f"/api/governance/projects/{c.project}", {"json": {"status": "open"}}),
        lambda c: c.admin or c.lead_inside,
    ),
    ("GET", "/api/governance/projects/{code}/cohort"): Rule(get("/api/governance/projects/{p}/cohort"), SEES),
    ("GET", "/api/governance/agreements"): Rule(get("/api/governance/agreements"), ANY),
    ("POST", "/api/governance/agreements"): Rule(agreement_body, ADMIN),
    ("GET", "/api/governance/agreements/{reference}"): Rule(
        get("/api/governance/agreements/DSA-2026-001"), lambda c: c.oversight or c.role in UNI
    ),
    ("POST", "/api/governance/agreements/{reference}/decisions"): Rule(decision, ADMIN),
    ("POST", "/api/governance/agreements/{reference}/deletion-attestation"): Rule(attestation, ADMIN),
    ("GET", "/api/governance/projects/{code}/snapshots"): Rule(get("/api/governance/projects/{p}/snapshots"), SEES),
    ("POST", "/api/governance/projects/{code}/snapshots"): Rule(
        lambda h, c: (
            "POST",
            f"/api/governance/projects/{c.project}/snapshots",
            {"json": {"agreement": "DSA-2026-001" if c.inside else "DSA-2026-002"}},
        ),
        lambda c: c.lead_inside and c.agreement,
    ),
    ("GET", "/api/governance/projects/{code}/snapshots/{version}"): Rule(
        get("/api/governance/projects/{p}/snapshots/1"), SEES
    ),
    ("GET", "/api/governance/projects/{code}/snapshots/{version}/export"): Rule(
        get("/api/governance/projects/{p}/snapshots/1/export"), READS
    ),
    # Web pages
    ("GET", "/"): Rule(get("/"), ANY),
    ("GET", "/sign-in"): Rule(get("/sign-in"), PUBLIC),
    ("POST", "/sign-in"): Rule(
        lambda h, c: (
            "POST",
            "/sign-in",
            {
                "data": {"email": "res@uni.example", "password": "correct horse battery staple", "csrf": "{sign_in}"},
                "headers": {"Origin": "http://testserver"},
            },
        ),
        PUBLIC,
    ),
    ("POST", "/sign-out"): Rule(fresh_session("/sign-out"), ANY, signed_out),
    ("GET", "/projects"): Rule(get("/projects"), ANY),
    ("GET", "/projects/{code}"): Rule(get("/projects/{p}"), SEES),
    ("GET", "/sites"): Rule(get("/sites"), ANY),
    ("POST", "/sites"): Rule(
        lambda h, c: ("POST", "/sites", {"data": {"ods_code": unique("R"), "name": "T", "csrf": "{csrf}"}}), ADMIN
    ),
    ("GET", "/people"): Rule(get("/people"), ANY),
    ("POST", "/people/roles"): Rule(
        lambda h, c: (
            "POST",
            "/people/roles",
            {"data": {"person_id": str(new_person(h)), "role": "researcher", "project": c.project, "csrf": "{csrf}"}},
        ),
        lambda c: c.admin or c.lead_inside,
    ),
    ("GET", "/agreements"): Rule(get("/agreements"), ANY),
    ("POST", "/agreements/{reference}/decisions"): Rule(web_decision, ADMIN),
    ("GET", "/snapshots"): Rule(get("/snapshots?project={p}"), ANY),
    ("GET", "/audit"): Rule(get("/audit?project={p}"), OVERSIGHT),
    ("GET", "/audit/entries"): Rule(get("/audit/entries?outcome=denied"), OVERSIGHT),
    ("GET", "/static/{package}/{path:path}"): Rule(get("/static/nhsuk/nhsuk-frontend.min.css"), PUBLIC),
    # Study browser: the same rule as DICOMweb reads (a data-reading project role and an agreement in force).
    ("GET", "/projects/{code}/studies"): Rule(get("/projects/{p}/studies"), READS),
    ("GET", "/projects/{code}/studies/table"): Rule(get("/projects/{p}/studies/table?modality=CT"), READS),
    ("GET", "/projects/{code}/studies/{study}"): Rule(get("/projects/{p}/studies/{study}"), READS),
    ("GET", "/projects/{code}/studies/{study}/series/{series}/thumbnail"): Rule(
        get("/projects/{p}/studies/{study}/series/{series}/thumbnail"), READS
    ),
    # The viewer: its configuration and code are public files; its page needs a session; what it shows
    # comes from DICOMweb above, refused there to anyone who may not read the study.
    ("GET", "/viewer/app-config.js"): Rule(get("/viewer/app-config.js"), PUBLIC),
    ("GET", "/viewer/{path:path}"): Rule(get("/viewer/viewer?StudyInstanceUIDs={study}"), ANY),
    # Spokes: reports and withdrawals need write rights in the project; the views show everyone signed in only
    # the sites and projects they may see (a signed-out visitor of the page is sent to sign in).
    ("POST", "/spokes/reconciliation"): Rule(
        lambda h, c: ("POST", "/spokes/reconciliation", {"json": {"site_id": "RXX", "studies": [
            {"project_id": c.project, "participant_id": "P-0001", "study_uid": "1.2.826.0.1.3680043.10.1452.9"}]}}),
        lambda c: c.writes_data,
    ),
    ("GET", "/spokes/reconciliation"): Rule(get("/spokes/reconciliation?project={p}"), ANY),
    ("POST", "/spokes/withdrawals"): Rule(
        lambda h, c: ("POST", "/spokes/withdrawals", {"json": {
            "site_id": "RXX", "project_id": c.project, "participant_id": unique("NOBODY-"), "study_uids": []}}),
        lambda c: c.writes_data,
    ),
    ("GET", "/reconciliation"): Rule(get("/reconciliation?project={p}"), ANY),
    # newcomer (issue 22): releasing a snapshot in the web page is the API's rule (lead, agreement in force).
    ("POST", "/snapshots"): Rule(
        lambda h, c: (
            "POST",
            "/snapshots",
            {
                "data": {
                    "project": c.project,
                    "agreement": "DSA-2026-001" if c.inside else "DSA-2026-002",
                    "csrf": "{csrf}",
                }
            },
        ),
        lambda c: c.lead_inside and c.agreement,
    ),
    # newcomer (issue 22): a person's own DICOMweb tokens in the web UI, bounded by their roles as in the API.
    ("GET", "/tokens"): Rule(get("/tokens"), ANY),
    ("POST", "/tokens"): Rule(
        lambda h, c: (
            "POST",
            "/tokens",
            {
                "data": {
                    "name": "notebook",
                    "scopes": "dicom:write" if c.role == "site_data_manager" else "dicom:read",
                    "days": "1",
                    "csrf": "{csrf}",
                }
            },
        ),
        lambda c: c.role in PROJECT_ROLES | {"site_data_manager"},
    ),
    ("POST", "/tokens/{key_id}/revoke"): Rule(
        lambda h, c: (
            "POST",
            revoke_own_token(h, c)[1].replace("/api/governance", "") + "/revoke",
            {"data": {"csrf": "{csrf}"}},
        ),
        ANY,
    ),
    # Quality (issue 24): the page for a project's data readers and its lead; a new protocol version by the lead.
    ("GET", "/projects/{code}/quality"): Rule(get("/projects/{p}/quality"), lambda c: c.reads_data or c.lead_inside),
    ("POST", "/projects/{code}/quality/protocol"): Rule(
        lambda h, c: ("POST", f"/projects/{c.project}/quality/protocol", {"data": {"text": QUALITY_PROTOCOL,
                                                                                    "csrf": "{csrf}"}}),
        lambda c: c.lead_inside,
    ),
    # Network room (capacity, reporting worklist, FHIR): capacity for oversight and site data managers (their own
    # sites); the worklist for reporters (none in this hub) and oversight; dashboards for oversight; routing by an
    # administrator; FHIR tasks posted by an administrator or the site's data manager (RXX); no report exists here.
    ("GET", "/network/capacity"): Rule(get("/network/capacity"), CAPACITY),
    ("GET", "/network/capacity/what-if"): Rule(get("/network/capacity/what-if?weeks=2"), CAPACITY),
    ("GET", "/network/capacity/{site}/calendar.ics"): Rule(get("/network/capacity/RXX/calendar.ics"), CAPACITY),
    ("GET", "/network/worklist"): Rule(get("/network/worklist"), OVERSIGHT),
    ("POST", "/network/worklist/route"): Rule(
        lambda h, c: ("POST", "/network/worklist/route", {"data": {"csrf": "{csrf}"}}), ADMIN
    ),
    ("POST", "/network/worklist/{task_id}/claim"): Rule(
        lambda h, c: ("POST", "/network/worklist/NONE-1/claim", {"data": {"csrf": "{csrf}"}}), NOBODY
    ),
    ("POST", "/network/worklist/{task_id}/release"): Rule(
        lambda h, c: ("POST", "/network/worklist/NONE-1/release", {"data": {"csrf": "{csrf}"}}), NOBODY
    ),
    ("POST", "/network/worklist/{task_id}/report"): Rule(
        lambda h, c: ("POST", "/network/worklist/NONE-1/report", {"data": {"csrf": "{csrf}", "text": "x"}}), NOBODY
    ),
    ("POST", "/network/worklist/{task_id}/reassign"): Rule(
        lambda h, c: ("POST", "/network/worklist/NONE-1/reassign",
                      {"data": {"csrf": "{csrf}", "to_reporter": "R1", "reason": "leave"}}), NOBODY
    ),
    ("GET", "/network/reporting"): Rule(get("/network/reporting"), OVERSIGHT),
    ("GET", "/network/catalogue"): Rule(get("/network/catalogue?q=lung"), ANY),
    ("GET", "/network/costs"): Rule(get("/network/costs"), OVERSIGHT),
    ("POST", "/network/costs"): Rule(lambda h, c: ("POST", "/network/costs", _costs_upload()), OVERSIGHT),
    ("GET", "/network/catalogue/{key}.jsonld"): Rule(get("/network/catalogue/no-such-entry.jsonld"), NOBODY),
    # Research activity (activity27): oversight and site data managers see it; the administrator or the site's
    # data manager add a manual entry (RXX); the portfolio upload CSV is for network oversight.
    ("GET", "/network/activity"): Rule(get("/network/activity"), CAPACITY),
    ("POST", "/network/activity/manual"): Rule(
        lambda h, c: ("POST", "/network/activity/manual", _activity_entry(h)),
        lambda c: c.admin or c.role == "site_data_manager",
    ),
    ("GET", "/network/activity/portfolio.csv"): Rule(get("/network/activity/portfolio.csv"), OVERSIGHT),
    # Portfolio studies and their recorded costs (activity-costs): oversight and data managers see the studies,
    # oversight the costs; only the administrator registers a study or changes a tariff, schedule or override.
    ("GET", "/network/activity/studies"): Rule(get("/network/activity/studies"), CAPACITY),
    ("POST", "/network/activity/studies"): Rule(
        lambda h, c: ("POST", "/network/activity/studies", {"data": {"csrf": "{csrf}", **_MATRIX_STUDY}}), ADMIN
    ),
    ("POST", "/network/costs/tariff"): Rule(
        lambda h, c: ("POST", "/network/costs/tariff", _costs_file("tariff")), ADMIN
    ),
    ("POST", "/network/costs/schedule"): Rule(
        lambda h, c: ("POST", "/network/costs/schedule", _costs_file("schedule", h)), ADMIN
    ),
    ("POST", "/network/costs/schedule/activity"): Rule(
        lambda h, c: ("POST", "/network/costs/schedule/activity", _schedule_activity(h)), ADMIN
    ),
    ("POST", "/network/costs/override"): Rule(
        lambda h, c: ("POST", "/network/costs/override", _override(h)), ADMIN
    ),
    ("GET", "/network/costs/recorded.xlsx"): Rule(get("/network/costs/recorded.xlsx"), OVERSIGHT),
    ("GET", "/network/costs/recorded.csv"): Rule(get("/network/costs/recorded.csv"), OVERSIGHT),
    ("POST", "/api/network/fhir/reporting-tasks"): Rule(
        lambda h, c: ("POST", "/api/network/fhir/reporting-tasks", {"json": _network_bundle(unique("mx-"))}),
        lambda c: c.admin or c.role == "site_data_manager",
    ),
    ("GET", "/api/network/fhir/DiagnosticReport/{task_id}"): Rule(
        get("/api/network/fhir/DiagnosticReport/NONE-1"), NOBODY
    ),
    # capacity actions (issue 26): a scanner or session is added by the network administrator or the site's data
    # manager (RXX here); unknown scanners, sessions and slots answer 404 to everyone; batches are the administrator's.
    ("POST", "/network/capacity/scanners"): Rule(
        lambda h, c: ("POST", "/network/capacity/scanners", {"data": {"csrf": "{csrf}", **_scanner_form()}}),
        lambda c: c.admin or c.role == "site_data_manager",
    ),
    ("POST", "/network/capacity/scanners/{scanner_id}"): Rule(
        lambda h, c: ("POST", "/network/capacity/scanners/NONE-1", {"data": {"csrf": "{csrf}", **_scanner_form()}}),
        NOBODY,
    ),
    ("POST", "/network/capacity/scanners/{scanner_id}/confirm"): Rule(
        lambda h, c: ("POST", "/network/capacity/scanners/NONE-1/confirm", {"data": {"csrf": "{csrf}"}}), NOBODY
    ),
    ("POST", "/network/capacity/scanners/{scanner_id}/dismiss"): Rule(
        lambda h, c: ("POST", "/network/capacity/scanners/NONE-1/dismiss", {"data": {"csrf": "{csrf}"}}), NOBODY
    ),
    ("POST", "/network/capacity/sessions"): Rule(
        lambda h, c: (
            "POST",
            "/network/capacity/sessions",
            {"data": {"csrf": "{csrf}", "session_id": unique("S"), "scanner_id": "NONE-1", "weekday": "1",
                      "start": "17:00", "end": "19:00"}},
        ),
        NOBODY,
    ),
    ("POST", "/network/capacity/sessions/{session_id}/cancel"): Rule(
        lambda h, c: (
            "POST", "/network/capacity/sessions/NONE-1/cancel", {"data": {"csrf": "{csrf}", "day": "2030-01-01"}}
        ),
        NOBODY,
    ),
    ("POST", "/network/capacity/bookings"): Rule(
        lambda h, c: (
            "POST",
            "/network/capacity/bookings",
            {"data": {"csrf": "{csrf}", "slot_id": "NONE-1@2030-01-01", "visit_id": unique("V"),
                      "participant": "PX-1", "project": "LUNG1", "timepoint": "t0", "minutes": "30"}},
        ),
        NOBODY,
    ),
    ("POST", "/network/capacity/allocation"): Rule(
        lambda h, c: (
            "POST",
            "/network/capacity/allocation",
            {"data": {"csrf": "{csrf}", "weeks": "1"}, "files": {"requests": ("v.csv", _visit_batch(), "text/csv")}},
        ),
        ADMIN,
    ),
    ("POST", "/network/capacity/allocation/accept"): Rule(
        lambda h, c: (
            "POST",
            "/network/capacity/allocation/accept",
            {"data": {"csrf": "{csrf}", "visit_id": "V1", "slot_id": "NONE-1@2030-01-01",
                      "start": "2030-01-01T17:00:00+00:00", "minutes": "30", "project": "LUNG1", "timepoint": "t0",
                      "participant": "PX-1"}},
        ),
        ADMIN,
    ),
    # newcomer (issue 22): spoke health. A heartbeat for RXX comes from whoever speaks for RXX (its data
    # manager, or the lead of a project it takes part in); the page is for the network's managers.
    ("POST", "/spokes/heartbeat"): Rule(
        lambda h, c: ("POST", "/spokes/heartbeat", {"json": {"site_id": "RXX", "backlog": {"queued": 1}}}),
        lambda c: c.role in {"site_data_manager", "project_lead"},
    ),
    ("GET", "/spoke-health"): Rule(get("/spoke-health"), OVERSIGHT),
    # OIDC sign-in: this hub has no identity provider configured, so both answer 404 to everyone; the
    # configured flow and its refusals are exercised against a real provider in test_oidc.py.
    ("GET", "/auth/oidc/login"): Rule(get("/auth/oidc/login"), NOBODY),
    ("GET", "/auth/oidc/callback"): Rule(get("/auth/oidc/callback?code=c&state=s"), NOBODY),
    # Labelling: a worklist for everyone signed in (their own assignments only); reading a study needs the
    # assignment and the project's data (the DICOMweb rule); a task's agreement, progress, export and import are
    # its project lead's, and the export also an agreement in force.
    ("GET", "/labelling"): Rule(get("/labelling"), ANY),
    ("GET", "/labelling/tasks/{task_id}/studies/{study}"): Rule(labelling.reading_page, READS),
    ("POST", "/labelling/tasks/{task_id}/studies/{study}/read"): Rule(labelling.read_form, READS),
    ("GET", "/labelling/tasks/{task_id}/agreement"): Rule(labelling.task_page("agreement"), lambda c: c.lead_inside),
    ("GET", "/labelling/tasks/{task_id}/progress.svg"): Rule(
        labelling.task_page("progress.svg"), lambda c: c.lead_inside
    ),
    ("POST", "/labelling/tasks/{task_id}/export"): Rule(labelling.export, lambda c: c.lead_inside and c.agreement),
    ("POST", "/labelling/tasks/{task_id}/import"): Rule(labelling.import_csv, lambda c: c.lead_inside),
    # AI assurance: the register and tool pages for anyone signed in (runs filtered to projects they see); a
    # run's report only to those who see its project.
    ("GET", "/assurance"): Rule(get("/assurance"), ANY),
    ("GET", "/assurance/tools/{tool_id}"): Rule(lambda h, c: ("GET", f"/assurance/tools/{_assurance(h)['tool']}", {}),
                                                ANY),
    ("GET", "/assurance/runs/{run_id}/{name}"): Rule(
        lambda h, c: ("GET", f"/assurance/runs/{_assurance(h)[c.project]}/report.html", {}), SEES),
    # people (issue 27): champions by region and site for network oversight; every signed-in person edits their
    # own profile (no route names another's) and, once it exists (the profile row sorts first), asks for mentoring;
    # the administrator runs the matching; an unknown request is 404 to everyone.
    ("GET", "/network/people"): Rule(get("/network/people"), OVERSIGHT),
    ("GET", "/network/people/me"): Rule(get("/network/people/me"), ANY),
    ("POST", "/network/people/me"): Rule(
        lambda h, c: ("POST", "/network/people/me", {"data": {"csrf": "{csrf}", "name": "M X", "site": "RXX"}}), ANY
    ),
    ("GET", "/network/people/mentoring"): Rule(get("/network/people/mentoring"), ANY),
    ("POST", "/network/people/mentoring"): Rule(
        lambda h, c: ("POST", "/network/people/mentoring", {"data": {"csrf": "{csrf}", "skills": "MRI physics"}}), ANY
    ),
    ("POST", "/network/people/mentoring/match"): Rule(
        lambda h, c: ("POST", "/network/people/mentoring/match", {"data": {"csrf": "{csrf}"}}), ADMIN
    ),
    ("POST", "/network/people/mentoring/{request_id}/accept"): Rule(
        lambda h, c: ("POST", "/network/people/mentoring/ffffffffffffffff/accept", {"data": {"csrf": "{csrf}"}}), NOBODY
    ),
    # ending a pairing of two other people: only the administrator (its members are tested in test_network_people)
    ("POST", "/network/people/mentoring/{request_id}/end"): Rule(lambda h, c: _end_pairing(h), ADMIN),
    # AI assurance forms: flagging an incident on a run's case for those who see the run's project; reviewing an
    # incident or closing an alarm for a registrar (network administrator) or the run's project lead.
    ("POST", "/assurance/tools/{tool_id}/incidents"): Rule(lambda h, c: _flag_incident(h, c), SEES),
    ("POST", "/assurance/incidents/{incident_id}/review"): Rule(
        lambda h, c: _review_incident(h, c), lambda c: c.admin or c.lead_inside
    ),
    ("POST", "/assurance/alarms/{alarm_id}/close"): Rule(
        lambda h, c: _close_alarm(h, c), lambda c: c.admin or c.lead_inside
    ),
    # Reader studies: the list for anyone signed in (the studies they oversee or read in); a study's group
    # analysis for a registrar or its project's lead; a reader's feedback for that reader alone (LUNG1's study is
    # read by the researcher and the annotator, BRAIN2's by two people outside the matrix's roles).
    ("GET", "/assurance/reader-studies"): Rule(get("/assurance/reader-studies"), ANY),
    ("POST", "/assurance/reader-studies"): Rule(
        lambda h, c: _create_reader_study(h, c), lambda c: c.admin or c.lead_inside
    ),
    ("GET", "/assurance/reader-studies/{study_id}"): Rule(
        lambda h, c: ("GET", f"/assurance/reader-studies/{_reader_study(h)[c.project]}", {}),
        lambda c: c.admin or c.lead_inside,
    ),
    ("GET", "/assurance/reader-studies/{study_id}/feedback"): Rule(
        lambda h, c: ("GET", f"/assurance/reader-studies/{_reader_study(h)[c.project]}/feedback", {}),
        lambda c: c.inside and c.role in {"researcher", "annotator"},
    ),
    # the MHRA export of a tool's incidents, for those who may review them: a registrar, or the lead of a project
    # the tool ran in (the outside cell asks for a tool that ran only in BRAIN2).
    ("GET", "/assurance/tools/{tool_id}/incidents.csv"): Rule(
        lambda h, c: ("GET", f"/assurance/tools/{_tool_of(h, c.project)}/incidents.csv", {}),
        lambda c: c.admin or c.lead_inside,
    ),
}


QUALITY_PROTOCOL = """
[protocol]
name = "matrix"
version = "1"

[[series]]
name = "any CT"
match = { modality = "CT" }
"""


def _scanner_form() -> dict[str, str]:
    return {"scanner_id": unique("MX"), "site": "RXX", "modality": "MR", "manufacturer": "ACME", "model": "M1"}


def _visit_batch() -> bytes:
    header = b"visit_id,participant,project,timepoint,minutes,modality,earliest,latest\n"
    return header + b"V1,PX-1,LUNG1,t0,30,MR,2030-01-01,2030-01-07\n"


def _costs_upload() -> dict[str, Any]:
    from network.costs.costs_samples import ACTIVITY, SCHEDULE, TARIFF_2025

    files = {"schedule": ("s.csv", SCHEDULE), "activity": ("a.csv", ACTIVITY), "tariff": ("t.csv", TARIFF_2025)}
    return {"data": {"csrf": "{csrf}"}, "files": files}


def _activity_entry(hub: Hub) -> dict[str, Any]:
    from imaging_hub.network.activity import ActivityRoom, Phase, PortfolioStudy
    from imaging_hub.network.operations import Actor

    study = PortfolioStudy("312345", "54321", "Lung", "Uni", "CI", Phase.NOT_APPLICABLE, "LUNG1", frozenset({"RXX"}))
    ActivityRoom.open(hub.archive.database.writer).put_study(Actor("matrix", manager=True), study)
    entry = {"iras_id": "312345", "site": "RXX", "month": "2025-01", "measure": "reads", "count": "1"}
    return {"data": {"csrf": "{csrf}", **entry}}


_MATRIX_STUDY = {"iras_id": "7654321", "cpms_id": "4321", "title": "Matrix study", "sponsor": "Uni",
                 "chief_investigator": "CI", "phase": "N/A", "project": "MATRIX-ST", "sites": "RXX",
                 "timepoints": "baseline", "reads_per_participant": "1"}


def _matrix_schedule(hub: Hub) -> str:
    """The matrix study registered (as setup, not as the cell) and its schedule's CSV text."""
    from imaging_hub.network.activity import ActivityRoom, Phase, PortfolioStudy
    from imaging_hub.network.operations import Actor
    from network.costs.costs_samples import SCHEDULE

    study = PortfolioStudy("7654321", "4321", "Matrix study", "Uni", "CI", Phase.NOT_APPLICABLE, "MATRIX-ST",
                           frozenset({"RXX"}), ("baseline",))
    ActivityRoom.open(hub.archive.database.writer).put_study(Actor("matrix", manager=True), study)
    return SCHEDULE.replace("WBM-1,", "7654321,")


def _costs_file(name: str, hub: Hub | None = None) -> dict[str, Any]:
    from network.costs.costs_samples import TARIFF_2025

    text = _matrix_schedule(hub) if hub is not None else TARIFF_2025
    return {"data": {"csrf": "{csrf}", "iras_id": "7654321"}, "files": {name: (f"{name}.csv", text)}}


def _stored_schedule(hub: Hub) -> None:
    from imaging_hub.network.activity import StudyCosts
    from imaging_hub.network.costs import Schedule, read_schedule
    from imaging_hub.network.operations import Actor

    ledger = StudyCosts.open(hub.archive.database.writer)
    if not ledger.schedule(["7654321"]).activities:
        text = _matrix_schedule(hub)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "schedule.csv"
            path.write_text(text)
            read: Schedule = read_schedule(path)
        ledger.put_schedule(Actor("matrix", manager=True), "7654321", read.activities)


def _schedule_activity(hub: Hub) -> dict[str, Any]:
    _matrix_schedule(hub)
    form = {"iras_id": "7654321", "arm": "mri", "visit": "baseline", "name": "matrix read", "kind": "research_read",
            "staff_role": "radiologist", "minutes": "20", "tariff_code": "RAD-HOUR", "patient_care": "no",
            "continues_after_study": "no", "standard_care": "no"}
    return {"data": {"csrf": "{csrf}", **form}}


def _override(hub: Hub) -> dict[str, Any]:
    _stored_schedule(hub)
    form = {"iras_id": "7654321", "arm": "mri", "visit": "baseline", "name": "image transfer",
            "category": "research_part_b", "justification": "matrix"}
    return {"data": {"csrf": "{csrf}", **form}}


def _network_bundle(task_id: str) -> dict[str, Any]:
    from network.operations.served import bundle

    return bundle(task_id, "RXX")


_ASSURANCE: dict[int, dict[str, int]] = {}


def _assurance(hub: Hub) -> dict[str, int]:
    """An AI tool with a validation run (and its report) in each project, made once per hub."""
    if id(hub) not in _ASSURANCE:
        from imaging_hub.assurance import Actor, AssuranceRoom, RunSpec, ToolSpec

        room = AssuranceRoom.open(hub.archive.database.writer)
        console = Actor("matrix", manages=None)
        tool = room.register_tool(console, ToolSpec("Matrix", "Tests", "1", "Authorisation", 0.5, "b" * 64))
        ids = {"tool": tool.id}
        for project in ("LUNG1", "BRAIN2"):
            folder = hub.archive.data_dir / f"assurance-{project}"
            folder.mkdir()
            (folder / "report.html").write_text("<html></html>")
            ids[project] = room.record_run(console, tool.id, RunSpec(
                "validation", "csv", project, f"{project}/v1", "DSA-MATRIX", {}, str(folder))).id
        _ASSURANCE[id(hub)] = ids
    return _ASSURANCE[id(hub)]


_READER_STUDY: dict[int, dict[str, int]] = {}


def _reader_study(hub: Hub) -> dict[str, int]:
    """A reader study in each project over four scored cases of the matrix tool (no reads yet), made once per hub."""
    if id(hub) not in _READER_STUDY:
        from imaging_hub.assurance import Actor, AssuranceRoom, CaseResult, RunSpec
        from imaging_hub.hub import ReaderStudies, StudyActor, StudyPlan
        from imaging_hub.labelling import Actor as Manager
        from imaging_hub.labelling import Cohort, CohortStudy, LabellingRoom, Labels, TaskSpec, parse_schema

        tool = _assurance(hub)["tool"]
        room = AssuranceRoom.open(hub.archive.database.writer)
        studies = ReaderStudies(LabellingRoom.open(hub.archive.database.writer), lambda: room)
        ids = {}
        for project, readers in (("LUNG1", (EMAILS["researcher"], EMAILS["annotator"])),
                                 ("BRAIN2", ("r1@elsewhere.example", "r2@elsewhere.example"))):
            cases = {f"1.2.826.0.1.3680043.10.{len(project)}.{k}": int(k < 2) for k in range(4)}
            run = room.record_run(Actor("matrix", manages=None), tool, RunSpec(
                "inference", "onnx", project, f"{project}/v1", "DSA-MATRIX", {}),
                [CaseResult("study", uid, uid, "P", "RXX", 0.2 + 0.2 * k) for k, uid in enumerate(cases)])
            ids[project] = studies.create(StudyActor("matrix", leads=None), StudyPlan(
                f"Matrix {project}", run.id, readers, cases, "matrix")).id
            # a labelling task whose final answers are the reference standard of the studies the form sets up
            labelling, manager = studies.labelling, Manager("matrix", manages=None)
            task = labelling.create_task(manager, TaskSpec(
                project, f"Matrix reference {project}", Cohort("snapshot", f"{project}/v1", tuple(
                    CohortStudy(uid, "RXX") for uid in cases)),
                parse_schema({"questions": [{"name": "finding", "categories": ["absent", "present"]}]}),
                ("r1@elsewhere.example",), reads_per_study=1))
            labelling.import_reads(manager, task.id, [
                (uid, "r1@elsewhere.example", Labels({"finding": "present" if label else "absent"}))
                for uid, label in cases.items()])
            ids[f"{project}-run"], ids[f"{project}-task"] = run.id, task.id
        _READER_STUDY[id(hub)] = ids
    return _READER_STUDY[id(hub)]


def _create_reader_study(hub: Hub, cell: Cell) -> Request:
    ids = _reader_study(hub)
    form = {"csrf": "{csrf}", "run_id": str(ids[f"{cell.project}-run"]), "name": unique("Matrix study "),
            "readers": "r1@elsewhere.example\nr2@elsewhere.example", "reference_task": str(ids[f"{cell.project}-task"]),
            "question": "finding", "positive": "present", "washout_days": "0"}
    return "POST", "/assurance/reader-studies", {"data": form}


_TOOLS_OF: dict[tuple[int, str], int] = {}


def _tool_of(hub: Hub, project: str) -> int:
    """An AI tool whose one run (with one incident on it) is in ``project`` only, made once per hub."""
    if (id(hub), project) not in _TOOLS_OF:
        from imaging_hub.assurance import Actor, AssuranceRoom, IncidentSpec, RunSpec, ToolSpec

        room = AssuranceRoom.open(hub.archive.database.writer)
        console = Actor("matrix", manages=None)
        tool = room.register_tool(console, ToolSpec(f"Only {project}", "Tests", "1", "Authorisation", 0.5, "c" * 64))
        run = room.record_run(console, tool.id, RunSpec("validation", "csv", project, f"{project}/v1", "DSA-MATRIX",
                                                        {}))
        room.report_incident(Actor("matrix"), tool.id, IncidentSpec("1.2.3", "wrong", "none", "Matrix", run_id=run.id))
        _TOOLS_OF[(id(hub), project)] = tool.id
    return _TOOLS_OF[(id(hub), project)]
def _end_pairing(hub: Hub) -> Request:
    """A fresh active pairing of two people at other sites, neither of them a matrix role."""
    from imaging_hub.network.operations import Actor
    from imaging_hub.network.people import PeopleRoom, Profile

    room = PeopleRoom.open(hub.archive.database.writer)
    skill = unique("skill ")
    mentor, mentee = Actor(f"{unique('m')}@rgt.example".lower()), Actor(f"{unique('e')}@rhm.example".lower())
    room.save_profile(mentor, Profile(mentor.name, "M", "RGT", "North", skills=frozenset({skill}), mentoring_hours=2,
                                      mentees_max=1))
    room.save_profile(mentee, Profile(mentee.name, "E", "RHM", "North"))
    asked = room.ask(mentee, frozenset({skill}))
    room.run_matching(Actor("matrix", manager=True))
    room.accept(Actor("matrix", manager=True), asked)
    return "POST", f"/network/people/mentoring/{asked}/end", {"data": {"csrf": "{csrf}", "outcome": "done"}}


def _flag_incident(hub: Hub, cell: Cell) -> Request:
    ids = _assurance(hub)
    form = {"csrf": "{csrf}", "run_id": str(ids[cell.project]), "case_id": "1.2.3", "kind": "wrong", "harm": "none",
            "description": "Missed nodule"}
    return "POST", f"/assurance/tools/{ids['tool']}/incidents", {"data": form}


def _review_incident(hub: Hub, cell: Cell) -> Request:
    """A fresh open incident on the cell's project each time (a closed one cannot be reviewed again)."""
    from imaging_hub.assurance import Actor, AssuranceRoom, IncidentSpec

    ids = _assurance(hub)
    room = AssuranceRoom.open(hub.archive.database.writer)
    found = room.report_incident(Actor("matrix"), ids["tool"], IncidentSpec("1.2.3", "unsafe", "minor", "Matrix",
                                                                             run_id=ids[cell.project]))
    form = {"csrf": "{csrf}", "review": "Reviewed", "close": "yes"}
    return "POST", f"/assurance/incidents/{found.id}/review", {"data": form}


def _close_alarm(hub: Hub, cell: Cell) -> Request:
    from imaging_hub.assurance import Actor, AssuranceRoom, RunSpec

    ids = _assurance(hub)
    room = AssuranceRoom.open(hub.archive.database.writer)
    console = Actor("matrix", manages=None)
    stream = room.record_run(console, ids["tool"], RunSpec("monitoring", "csv", cell.project, f"{cell.project}/v1",
                                                           "DSA-MATRIX", {}, None))
    raised = room.record_alarms(console, stream,
                                [{"method": "cusum", "index": 3, "date": "2030-01-04", "detail": "matrix"}])
    form = {"csrf": "{csrf}", "note": "Checked"}
    return "POST", f"/assurance/alarms/{raised[-1].id}/close", {"data": form}


def _new_study(request: Request) -> str:
    body: bytes = request[2]["content"]
    start = body.index(b"\r\n\r\n") + 4
    return str(dcmread(io.BytesIO(body[start:])).StudyInstanceUID)


def route_table(app: FastAPI) -> Iterator[tuple[str, str]]:
    def walk(routes: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            else:
                for method in sorted(set(getattr(route, "methods", None) or {"*"}) - {"HEAD"}):
                    yield method, prefix + route.path

    return walk(app.routes)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("matrix")
    gov = Governance.open(f"sqlite:///{data / 'hub.sqlite3'}", SettableClock(START))
    built = build_hub(gov, data / "archive")
    yield built
    built.archive.close()
    gov.close()


def test_every_route_is_in_the_matrix(hub: Hub) -> None:
    routes = set(route_table(hub.app))
    assert routes - RULES.keys() == set(), "routes missing from the authorisation matrix"
    assert RULES.keys() - routes == set(), "matrix names routes that no longer exist"


def _set_agreements(hub: Hub, in_force: bool) -> None:
    for reference in ("DSA-2026-001", "DSA-2026-002"):
        state = hub.gov.agreements.get(reference).state
        if in_force and state == "suspended":
            hub.gov.agreements.decide(SYSTEM, reference, "resume")
        if not in_force and state == "active":
            hub.gov.agreements.decide(SYSTEM, reference, "suspend")


@pytest.mark.parametrize("agreement", [True, False], ids=["agreement", "no-agreement"])
@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(hub: Hub, role: str, agreement: bool) -> None:
    _set_agreements(hub, agreement)
    failures = []
    for inside in (True, False):
        cell = Cell(role, inside, agreement)
        for (method, path), rule in sorted(RULES.items()):
            verb, url, kwargs = rule.build(hub, cell)
            if kwargs.pop("fresh_session", False) and cell.signed_in:
                client = hub.client(EMAILS[role])
            else:
                client = _session(hub, role)
            csrf = _csrf(hub, client)
            if "data" in kwargs:
                kwargs["data"] = {k: (csrf if v == "{csrf}" else v) for k, v in kwargs["data"].items()}
                if kwargs["data"].get("csrf") == "{sign_in}":
                    kwargs["data"]["csrf"] = _sign_in_csrf(client)
            answer = client.request(verb, url, **kwargs)
            if rule.visible is not None:
                granted = rule.visible(hub, cell, answer)
            else:
                location = answer.headers.get("location", "")
                granted = answer.status_code < 400 and not location.startswith("/sign-in")
                if not granted and answer.status_code not in {401, 403, 404, 409, 303}:
                    failures.append(f"{method} {path} {cell}: unexpected {answer.status_code} {answer.text[:200]}")
                    continue
            if granted != rule.allowed(cell):
                failures.append(
                    f"{method} {path} as {cell}: {'allowed' if granted else 'refused'} "
                    f"({answer.status_code}) but the matrix says otherwise: {answer.text[:160]}"
                )
    assert not failures, "\n".join(failures)


_SESSIONS: dict[str, str] = {}


def _session(hub: Hub, role: str) -> Any:
    """One signed-in session per role for the whole matrix (argon2 is slow on purpose)."""
    from imaging_hub.api import SESSION_COOKIE

    client = hub.client()
    if role == "anonymous":
        return client
    if role not in _SESSIONS:
        _SESSIONS[role] = hub.client(EMAILS[role]).cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, _SESSIONS[role])
    return client


def _csrf(hub: Hub, client: Any) -> str:
    from imaging_hub.api import SESSION_COOKIE
    from imaging_hub.governance.credentials import csrf_token

    secret = client.cookies.get(SESSION_COOKIE)
    return csrf_token(secret) if secret else ""


def _sign_in_csrf(client: Any) -> str:
    """The token the sign-in form carries (its page sets the pre-session cookie it is bound to)."""
    page = client.get("/sign-in")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the sign-in form carries no CSRF token"
    return found.group(1)


def test_audit_trail_stays_intact_under_the_matrix(hub: Hub) -> None:
    assert hub.gov.verify_audit().ok
