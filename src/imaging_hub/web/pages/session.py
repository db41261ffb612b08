"""What every signed-in page shares: who is behind the session cookie, the CSRF token their forms carry,
and rendering a page inside the navigation they may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response

from imaging_hub.api import SESSION_COOKIE, client_address
from imaging_hub.governance import Forbidden, Governance, Principal, Unauthenticated, csrf_token
from imaging_hub.web.rendering import render


def signed_in_dependency(gov: Governance) -> Callable[[Request], Principal]:
    """The dependency every page uses: the person behind the session cookie (Unauthenticated without one)."""

    def signed_in(request: Request) -> Principal:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            raise Unauthenticated("sign in first")
        return gov.access.session_principal(secret, client_address(request))

    return signed_in


def csrf_of(request: Request) -> str:
    return csrf_token(request.cookies.get(SESSION_COOKIE, ""))


def check_csrf(request: Request, csrf: str) -> None:
    if not csrf or csrf != csrf_of(request):
        raise Forbidden("the form has expired; go back, reload the page and try again")


def page(request: Request, template: str, title: str, who: Principal, section: str, **values: Any) -> Response:
    return render(template, title, who=who, csrf=csrf_of(request), section=section, **values)
