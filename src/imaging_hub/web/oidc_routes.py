"""``/auth/oidc/login`` and ``/auth/oidc/callback``: sign in through the trust's identity provider.

The identity is linked to an existing account (``Access.person_for_oidc``: by subject, else a verified email)
and the browser gets the same session cookie as a password sign-in. Without OIDC settings both answer 404.

The callback address sent to the provider is always the configured ``redirect_url``, never one built from
the request's Host header (which the client chooses): without it, sign-in through the provider is refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import client_address, set_session_cookie
from imaging_hub.governance import Governance, Unauthenticated
from imaging_hub.web.oidc import FlowSecrets, OidcClient, OidcError
from imaging_hub.web.oidc_settings import OidcSettings
from imaging_hub.web.rendering import render

FLOW_COOKIE = "imaging_hub_oidc"
FLOW_LIFETIME_SECONDS = 600
CALLBACK = "/auth/oidc/callback"


def oidc_router(gov: Governance, settings: OidcSettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    client = OidcClient(settings) if settings.enabled else None

    def redirect_uri() -> str | None:
        return settings.redirect_url or None

    def not_configured() -> Response:
        return render(
            "error.html", "Page not found", detail="sign-in through an identity provider is not set up", status_code=404
        )

    def refused(request: Request, reason: str) -> Response:
        gov.context.audit_anonymous("session.oidc", client_address(request))
        answer = render(
            "signin.html",
            "Sign in",
            error=f"Sign-in through your organisation failed: {reason}",
            oidc=True,
            status_code=401,
        )
        answer.delete_cookie(FLOW_COOKIE, path=CALLBACK)
        return answer

    @router.get("/auth/oidc/login")
    def oidc_login(request: Request) -> Response:
        if client is None:
            return not_configured()
        callback = redirect_uri()
        if callback is None:
            gov.context.audit_anonymous("session.oidc", client_address(request), detail={"reason": "no redirect URL"})
            return render(
                "error.html",
                "Sign-in unavailable",
                detail="sign-in through an identity provider needs IMAGING_HUB_OIDC_REDIRECT_URL to be set",
                status_code=503,
            )
        flow = FlowSecrets.new()
        try:
            target = client.authorization_url(flow, callback)
        except OidcError as exc:
            return refused(request, str(exc))
        answer = RedirectResponse(target, status_code=303)
        # SameSite=Lax: the provider sends the browser back with a top-level GET, which Strict would strip.
        answer.set_cookie(
            FLOW_COOKIE,
            flow.cookie,
            max_age=FLOW_LIFETIME_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path=CALLBACK,
        )
        return answer

    @router.get(CALLBACK, name="oidc_callback")
    def oidc_callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
        if client is None:
            return not_configured()
        if error:
            return refused(request, "the identity provider did not sign you in")
        cookie = request.cookies.get(FLOW_COOKIE)
        callback = redirect_uri()
        if callback is None:
            return refused(request, "sign-in through your organisation is not fully set up")
        if not cookie or not code or not state:
            return refused(request, "the sign-in was not started here or took too long; try again")
        try:
            identity = client.finish(FlowSecrets.of(cookie), state, code, callback, gov.clock())
            person = gov.access.person_for_oidc(identity.subject, identity.email)
        except (OidcError, Unauthenticated) as exc:
            return refused(request, str(exc))
        address = client_address(request)
        secret = gov.access.open_session(person.id, address)
        who = gov.access.principal_for(person.id, via="session", address=address)
        gov.context.record(who, "session.login", "person", person.id, detail={"method": "oidc"})
        # A page that moves on by itself rather than a redirect: the browser arrived here from the provider's
        # site, and a redirect in that chain would not carry the SameSite=Strict session cookie to "/".
        answer = render("signed_in.html", "Signed in", refresh_to="/")
        set_session_cookie(answer, secret, request)
        answer.delete_cookie(FLOW_COOKIE, path=CALLBACK)
        return answer

    return router
