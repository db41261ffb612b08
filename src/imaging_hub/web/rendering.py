"""Jinja2 rendering with autoescaping, and the navigation each role sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from imaging_hub.api import PAGE_POLICY
from imaging_hub.governance import SITE_ROLES, Principal

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# The app adds the rest of the security headers to every answer; pages need their own policy.
SECURITY_HEADERS = {"Content-Security-Policy": PAGE_POLICY}


def navigation(who: Principal) -> list[tuple[str, str]]:
    nav = [
        ("/projects", "Projects"),
        ("/sites", "Sites"),
        ("/people", "People and roles"),
        ("/agreements", "Agreements"),
        ("/snapshots", "Snapshots"),
        ("/reconciliation", "Transfer reconciliation"),
        ("/tokens", "Tokens"),
        ("/labelling", "Labelling"),
        ("/assurance", "AI assurance"),
    ]
    if who.is_auditor or who.is_administrator or who.sites_with(SITE_ROLES):
        nav.append(("/network/capacity", "Capacity"))
        nav.append(("/network/activity", "Activity"))
    nav.append(("/network/worklist", "Worklist"))
    nav.append(("/network/catalogue", "Catalogue"))
    nav.append(("/network/people" if who.is_auditor or who.is_administrator else "/network/people/me", "People"))
    if who.is_auditor or who.is_administrator:
        nav.append(("/network/reporting", "Reporting"))
        nav.append(("/network/costs", "Costs"))
        nav.append(("/audit", "Audit"))
        nav.append(("/spoke-health", "Spoke health"))
    return nav


def render(
    template: str,
    title: str,
    who: Principal | None = None,
    csrf: str = "",
    section: str = "",
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    html = _env.get_template(template).render(
        title=title, who=who, csrf=csrf, section=section, nav=navigation(who) if who else [], **values
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
