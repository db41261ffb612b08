"""``/sign-in`` (email and password, or the identity provider when set up) and ``/sign-out``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from imaging_hub.api import SESSION_COOKIE, client_address, set_session_cookie
from imaging_hub.governance import Governance, Principal, Unauthenticated
from imaging_hub.web.pages.route import WebRoute
from imaging_hub.web.pages.session import check_csrf, signed_in_dependency
from imaging_hub.web.rendering import render


def router(gov: Governance, oidc_enabled: bool = False) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/sign-in")
    def sign_in_form(request: Request) -> Response:
        return render("signin.html", "Sign in", oidc=oidc_enabled)

    @pages.post("/sign-in")
    def sign_in(request: Request, email: str = Form(max_length=254), password: str = Form(max_length=1024)) -> Response:
        try:
            secret, _ = gov.access.sign_in(email, password, client_address(request))
        except Unauthenticated:
            return render(
                "signin.html",
                "Sign in",
                error="Email address or password not recognised",
                email=email,
                oidc=oidc_enabled,
                status_code=401,
            )
        response = RedirectResponse("/", status_code=303)
        set_session_cookie(response, secret, request)
        return response

    @pages.post("/sign-out")
    def sign_out(request: Request, csrf: str = Form(""), who: Principal = who_dep) -> Response:
        check_csrf(request, csrf)
        gov.access.sign_out(request.cookies.get(SESSION_COOKIE, ""), who)
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return pages
