"""Governance HTTP API, the security side: signing in, API tokens, DICOM peer mapping and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from imaging_hub.api.body_limits import GOVERNANCE_MAX_BYTES, SIGN_IN_MAX_BYTES
from imaging_hub.api.governance.auth import SESSION_COOKIE, HttpAuth, client_address
from imaging_hub.api.governance.errors import ERROR_RESPONSES, THROTTLED, GovernanceRoute
from imaging_hub.api.governance.models import (
    MAX_ID,
    AuditEntryOut,
    DimsePeerIn,
    Me,
    SignIn,
    TokenIn,
    TokenOut,
    VerifyOut,
)
from imaging_hub.api.governance.views import audit_out, token_out
from imaging_hub.governance import (
    SESSION_LIFETIME,
    AuditFilter,
    Forbidden,
    Governance,
    Principal,
    Scope,
    to_fhir_bundle,
)

PREFIX = "/api/governance"


def may_read_audit(who: Principal) -> bool:
    return (who.is_auditor or who.is_administrator) and who.may(Scope.AUDIT_READ)


def set_session_cookie(response: Response, secret: str, request: Request) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def admin_router(gov: Governance) -> APIRouter:
    auth = HttpAuth(gov)
    router = APIRouter(
        prefix=PREFIX,
        tags=["security"],
        route_class=GovernanceRoute,
        responses=ERROR_RESPONSES,
        max_body_size=GOVERNANCE_MAX_BYTES,
    )
    caller = Depends(auth.require)

    @router.post("/session", response_model=Me, max_body_size=SIGN_IN_MAX_BYTES, responses=THROTTLED)
    def sign_in(body: SignIn, request: Request, response: Response) -> Me:
        secret, who = gov.access.sign_in(body.email, body.password, client_address(request))
        set_session_cookie(response, secret, request)
        return _me(gov, who)

    @router.delete("/session", status_code=204)
    def sign_out(request: Request, who: Principal = caller) -> Response:
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            gov.access.sign_out(secret, who)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/me", response_model=Me)
    def me(who: Principal = caller) -> Me:
        return _me(gov, who)

    @router.get("/tokens", response_model=list[TokenOut])
    def list_tokens(who: Principal = caller) -> list[TokenOut]:
        return [token_out(t) for t in gov.access.tokens(who)]

    @router.post("/tokens", response_model=TokenOut, status_code=201)
    def issue_token(body: TokenIn, who: Principal = caller) -> TokenOut:
        secret, row = gov.access.issue_token(
            who, body.person_id, body.name, frozenset(body.scopes), timedelta(days=body.days)
        )
        return token_out(row, secret)

    @router.delete("/tokens/{key_id}", status_code=204)
    def revoke_token(key_id: str, who: Principal = caller) -> Response:
        gov.access.revoke_token(who, key_id)
        return Response(status_code=204)

    @router.post("/dimse-peers", status_code=201)
    def map_peer(body: DimsePeerIn, who: Principal = caller) -> dict[str, Any]:
        peer = gov.access.map_dimse_peer(who, body.ae_title, body.address, body.person_id)
        return {"ae_title": peer.ae_title, "address": peer.address, "person_id": peer.person_id}

    @router.get("/audit", response_model=list[AuditEntryOut])
    def audit(
        who: Principal = caller,
        actor: str | None = Query(default=None, max_length=254),
        action: str | None = Query(default=None, max_length=64),
        project: str | None = Query(default=None, max_length=64),
        outcome: str | None = Query(default=None, pattern="^(success|denied|failed)$"),
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = Query(default=200, ge=1, le=5000),
        offset: int = Query(default=0, ge=0, le=MAX_ID),
    ) -> list[AuditEntryOut]:
        entries = gov.audit.entries(_filter(gov, who, actor, action, project, outcome, since, until, limit, offset))
        return [audit_out(e) for e in entries]

    @router.get("/audit/verify", response_model=VerifyOut)
    def verify(who: Principal = caller) -> VerifyOut:
        _require_audit(gov, who, "audit.verify")
        report = gov.verify_audit()
        gov.context.record(who, "audit.verify", "audit", "*", outcome="success" if report.ok else "failed")
        return VerifyOut(
            ok=report.ok,
            checked=report.checked,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            problems=report.problems,
        )

    @router.get("/audit/fhir")
    def fhir(
        who: Principal = caller,
        project: str | None = Query(default=None, max_length=64),
        limit: int = Query(default=1000, ge=1, le=5000),
    ) -> dict[str, Any]:
        """The trail as a FHIR R4 Bundle of AuditEvent resources."""
        entries = gov.audit.entries(_filter(gov, who, None, None, project, None, None, None, limit, 0))
        return to_fhir_bundle(entries)

    return router


def _require_audit(gov: Governance, who: Principal, action: str) -> None:
    if not may_read_audit(who):
        gov.context.record(who, action, "audit", "*", outcome="denied")
        raise Forbidden("the audit trail is for auditors and network administrators")


def _filter(
    gov: Governance,
    who: Principal,
    actor: str | None,
    action: str | None,
    project: str | None,
    outcome: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> AuditFilter:
    _require_audit(gov, who, "audit.read")
    gov.context.record(who, "audit.read", "audit", "*", detail={"project": project or "", "action": action or ""})
    return AuditFilter(
        actor=actor,
        action=action,
        project=project,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


def _me(gov: Governance, who: Principal) -> Me:
    return Me(
        person_id=who.person_id,
        email=who.email,
        display_name=who.display_name,
        organisation_id=who.organisation_id,
        roles=[{"role": g.role.value, "project": g.project, "site": g.site} for g in who.grants],
        readable_projects=sorted(gov.authority.readable_projects(who)),
    )
