"""``/sign-in`` (email and password, or the identity provider when set up) and ``/sign-out``.

Login CSRF: a page on another site could otherwise post its own credentials here and sign the victim's
browser into the attacker's account. The form is refused unless its Origin (or, failing that, Referer) is this
hub, and unless it carries the token bound to the pre-session cookie the sign-in page set (SameSite=Strict,
so a cross-site post does not even carry it). Failed and throttled attempts are audited by ``Access.sign_in``;
refusals here are audited too.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import SESSION_COOKIE, SIGN_IN_MAX_BYTES, client_address, set_session_cookie
from imaging_hub.governance import Governance, Principal, SignInThrottled, Unauthenticated, csrf_token
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, signed_in_dependency
from imaging_hub.web.rendering import render

PRE_SESSION_COOKIE = "imaging_hub_sign_in"
PRE_SESSION_SECONDS = 3600
_PURPOSE = "sign-in:"  # keeps a pre-session token from ever equalling a session's form token


def router(gov: Governance, oidc_enabled: bool = False) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    def form(request: Request, status_code: int = 200, error: str = "", email: str = "") -> Response:
        secret = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
        answer = render(
            "signin.html",
            "Sign in",
            csrf=csrf_token(_PURPOSE + secret),
            oidc=oidc_enabled,
            status_code=status_code,
            error=error,
            email=email,
        )
        answer.set_cookie(
            PRE_SESSION_COOKIE,
            secret,
            max_age=PRE_SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/sign-in",
        )
        return answer

    def refuse(request: Request, reason: str) -> Response:
        gov.context.audit_anonymous("session.login", client_address(request), detail={"reason": reason})
        return form(request, 403, error="The sign-in form had expired or came from another site; try again")

    @pages.get("/sign-in")
    def sign_in_form(request: Request) -> Response:
        return form(request)

    @pages.post("/sign-in", max_body_size=SIGN_IN_MAX_BYTES)
    def sign_in(
        request: Request,
        email: str = Form(max_length=254),
        password: str = Form(max_length=1024),
        csrf: str = Form("", max_length=128),
    ) -> Response:
        if not _same_origin(request):
            return refuse(request, "cross-site")
        pre_session = request.cookies.get(PRE_SESSION_COOKIE, "")
        if not pre_session or not secrets.compare_digest(csrf, csrf_token(_PURPOSE + pre_session)):
            return refuse(request, "csrf")
        try:
            secret, _ = gov.access.sign_in(email, password, client_address(request))
        except SignInThrottled as exc:
            answer = form(request, 429, error=f"Too many failed attempts: try again in {exc.retry_after} seconds")
            answer.headers["Retry-After"] = str(exc.retry_after)
            return answer
        except Unauthenticated:
            return form(request, 401, error="Email address or password not recognised", email=email)
        response = RedirectResponse("/", status_code=303)
        set_session_cookie(response, secret, request)
        response.delete_cookie(PRE_SESSION_COOKIE, path="/sign-in")
        return response

    @pages.post("/sign-out")
    def sign_out(request: Request, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        gov.access.sign_out(request.cookies.get(SESSION_COOKIE, ""), who)
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return pages


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def _same_origin(request: Request) -> bool:
    """The form came from a page of this hub: Origin says so, or (older browsers) Referer does; neither: no."""
    own = {_origin(str(request.base_url))}
    public = getattr(getattr(request.app.state, "hub", None), "public_url", None)
    if isinstance(public, str) and public:
        own.add(_origin(public))
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.lower() in own  # "null" (a sandboxed or privacy-stripped origin) is never ours
    referer = request.headers.get("referer")
    return referer is not None and _origin(referer) in own
