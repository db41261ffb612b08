"""The capacity page's register actions: confirm a scanner proposed from arriving data (or dismiss it), add or
edit a scanner, publish a weekly research session and cancel one of its dates.

By a network administrator or the site's data manager; the room decides who may and audits every step.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request, Response

from imaging_hub.api import network_actor
from imaging_hub.governance import Governance, Principal
from imaging_hub.network.capacity import Scanner, SessionTemplate
from imaging_hub.network.operations import NetworkRoom
from imaging_hub.web.network.capacity_forms import NAME, absent, acted, answer, audited_forms, built, capabilities_of
from imaging_hub.web.network.scanner_form import NewScannerForm, ScannerForm
from imaging_hub.web.pages import signed_in_dependency
from imaging_hub.web.pages.session import check_csrf


def router(gov: Governance, room: NetworkRoom) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=audited_forms(gov))
    who_dep = Depends(signed_in_dependency(gov))

    @pages.post("/network/capacity/scanners")
    def add_scanner(
        request: Request,
        form: Annotated[NewScannerForm, Form()],
        csrf: str = Form(""),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        scanner = built(gov, who, "scanner.register", form.scanner_id, lambda: form.scanner(form.scanner_id, form.site))
        if isinstance(scanner, str):
            return answer(request, who, refusal=scanner)
        refusal = acted(lambda: room.register_scanner(network_actor(who), scanner))
        return answer(request, who, f"Scanner {form.scanner_id} is in the register", refusal)

    @pages.post("/network/capacity/scanners/{scanner_id}")
    def edit_scanner(
        request: Request,
        form: Annotated[ScannerForm, Form()],
        scanner_id: str = Path(..., pattern=NAME),
        csrf: str = Form(""),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        current = room.register().scanners.get(scanner_id)
        if current is None:
            raise absent(gov, who, "scanner.edit", scanner_id, "registered scanner")
        scanner = built(gov, who, "scanner.edit", scanner_id, lambda: form.scanner(scanner_id, current.site))
        if isinstance(scanner, str):
            return answer(request, who, refusal=scanner)
        refusal = acted(lambda: room.update_scanner(network_actor(who), scanner))
        return answer(request, who, f"Scanner {scanner_id} is updated", refusal)

    @pages.post("/network/capacity/scanners/{scanner_id}/confirm")
    def confirm(
        request: Request,
        scanner_id: str = Path(..., pattern=NAME),
        csrf: str = Form(""),
        capabilities: str = Form("", max_length=500),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        proposal = next((p for p in room.proposals() if p["scanner_id"] == scanner_id), None)
        if proposal is None:
            raise absent(gov, who, "scanner.register", scanner_id, "proposed scanner")
        p = proposal
        scanner = built(
            gov,
            who,
            "scanner.register",
            scanner_id,
            lambda: Scanner(
                scanner_id,
                p["site"],
                p["modality"],
                p["manufacturer"],
                p["model"],
                p["field_strength_t"],
                p["software_version"],
                capabilities_of(capabilities),
            ),
        )
        if isinstance(scanner, str):
            return answer(request, who, refusal=scanner)
        refusal = acted(lambda: room.register_scanner(network_actor(who), scanner))
        return answer(request, who, f"Scanner {scanner_id} is confirmed into the register", refusal)

    @pages.post("/network/capacity/scanners/{scanner_id}/dismiss")
    def dismiss(
        request: Request, scanner_id: str = Path(..., pattern=NAME), csrf: str = Form(""), who: Principal = who_dep
    ) -> Response:
        check_csrf(request, csrf)
        refusal = acted(lambda: room.dismiss_proposal(network_actor(who), scanner_id))
        return answer(request, who, f"Proposal {scanner_id} is dismissed", refusal)

    @pages.post("/network/capacity/sessions")
    def publish(
        request: Request,
        csrf: str = Form(""),
        session_id: str = Form(..., pattern=NAME),
        scanner_id: str = Form(..., pattern=NAME),
        weekday: int = Form(..., ge=0, le=6),
        start: time = Form(...),
        end: time = Form(...),
        valid_from: date | None = Form(None),
        valid_until: date | None = Form(None),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        template = built(
            gov,
            who,
            "session.add",
            session_id,
            lambda: SessionTemplate(
                session_id, scanner_id, weekday, start, end, valid_from=valid_from, valid_until=valid_until
            ),
        )
        if isinstance(template, str):
            return answer(request, who, refusal=template)
        refusal = acted(lambda: room.add_session(network_actor(who), template))
        return answer(request, who, f"Session {session_id} is published", refusal)

    @pages.post("/network/capacity/sessions/{session_id}/cancel")
    def cancel(
        request: Request,
        session_id: str = Path(..., pattern=NAME),
        csrf: str = Form(""),
        day: date = Form(...),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        refusal = acted(lambda: room.cancel_session_date(network_actor(who), session_id, day))
        return answer(request, who, f"Session {session_id} does not run on {day.isoformat()}", refusal)

    return pages
