"""``/tokens``: a person's own DICOMweb tokens, the way their code reaches ``/dicom-web``. They create one
(its secret shown once, on the answer to the form, never again), list theirs and revoke them. The scopes
offered are the DICOM ones their roles allow; the domain bounds them again exactly as the API does (never
beyond the owner's roles or the session's scopes), and records every creation, listing and revocation.
``imaging-hub tokens create`` is the same thing from the command line."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.governance import ApiToken, Governance, InvalidInput, Principal, Scope, scopes_for_roles
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, page, signed_in_dependency

DICOM_SCOPES = (Scope.DICOM_READ, Scope.DICOM_WRITE)
MAX_DAYS = 366  # the domain's limit on a token's lifetime


def offered(who: Principal) -> list[Scope]:
    """The DICOM scopes this person's roles, and this session, allow a token to carry."""
    allowed = scopes_for_roles(frozenset(g.role for g in who.grants)) & who.scopes
    return [s for s in DICOM_SCOPES if s in allowed]


def router(gov: Governance) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def own(who: Principal) -> list[ApiToken]:
        return [t for t in gov.access.tokens(who) if t.person_id == who.person_id]  # admins list everyone's

    def tokens_page(request: Request, who: Principal, created: tuple[str, ApiToken] | None = None) -> Response:
        answer = page(
            request,
            "tokens.html",
            "Tokens",
            who,
            "/tokens",
            tokens=own(who),
            offered=offered(who),
            now=gov.clock(),
            created=created,
            max_days=MAX_DAYS,
        )
        answer.headers["Cache-Control"] = "no-store"  # the page may carry a secret
        return answer

    @pages.get("/tokens")
    def tokens(request: Request, who: Principal = who_dep) -> Response:
        return tokens_page(request, who)

    @pages.post("/tokens")
    def create(
        request: Request,
        csrf: str = Form(""),
        name: str = Form("DICOMweb", max_length=200),
        scopes: list[str] = Form(default_factory=list),
        days: int = Form(90, ge=1, le=MAX_DAYS),
        who: Principal = who_dep,
    ) -> Response:
        check_csrf(request, csrf)
        known = {s.value: s for s in DICOM_SCOPES}
        if not scopes or set(scopes) - known.keys():
            raise InvalidInput(f"choose one or more of {', '.join(known)}")
        created = gov.access.issue_token(
            who, who.person_id, name, frozenset(known[s] for s in scopes), timedelta(days=days)
        )
        return tokens_page(request, who, created)

    @pages.post("/tokens/{key_id}/revoke")
    def revoke(key_id: str, request: Request, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        gov.access.revoke_token(who, key_id)  # only the owner (or an administrator); refusals are audited
        return RedirectResponse("/tokens", status_code=303)

    return pages
