"""How large a request body each kind of route accepts, enforced by FastAPI's own per-route ``max_body_size``
(Starlette's body-limit middleware): a declared Content-Length over the limit is refused before a byte is
read, and a streamed body is counted as it arrives and cut off at the limit. Only STOW-RS takes large bodies.

Every limit is set on routes (none on the app): the app-wide one answers outside the app's middleware, so its
413 would miss the security headers. ``NamedLimit`` turns the library's plain "Content Too Large" into JSON
that says what the limit is.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SIGN_IN_MAX_BYTES = 16 * 1024  # an email address and a password, as JSON or a form
GOVERNANCE_MAX_BYTES = 64 * 1024  # the largest governance object is an agreement with its conditions
DEFAULT_MAX_BYTES = 1024 * 1024  # web forms and anything not named here
SPOKE_REPORT_MAX_BYTES = 64 * 1024 * 1024  # a site's reconciliation report lists every instance it sent

_GENERIC = "Content Too Large"  # the library's own detail, which does not say what the limit is


def _detail(limit: object) -> str:
    if isinstance(limit, int):
        return f"request body too large: this route accepts at most {limit} bytes"
    return _GENERIC


class NamedLimit:
    """Rewrites the body-limit middleware's plain-text 413 (sent when a declared Content-Length is over the
    limit) as JSON naming the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewriting = False

        async def named(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = MutableHeaders(scope=message)
                rewriting = headers.get("content-type", "").startswith("text/plain")
                if rewriting:
                    body = json.dumps({"detail": _detail(scope.get(MAX_BODY_SIZE_SCOPE_KEY))}).encode()
                    headers["content-type"] = "application/json"
                    headers["content-length"] = str(len(body))
                    await send(message)
                    await send({"type": "http.response.body", "body": body, "more_body": False})
                    return
            if rewriting:
                return  # the replaced plain-text body
            await send(message)

        await self.app(scope, receive, named)


def install_limit_answer(app: FastAPI) -> None:
    """A 413 from the limit names it (the library's own answer only says "Content Too Large")."""

    async def too_large(request: Request, exc: Exception) -> JSONResponse:
        detail = getattr(exc, "detail", _GENERIC)
        if detail == _GENERIC:
            detail = _detail(request.scope.get(MAX_BODY_SIZE_SCOPE_KEY))
        headers = getattr(exc, "headers", None) if isinstance(exc, HTTPException) else None
        return JSONResponse({"detail": detail}, status_code=413, headers=headers)

    app.add_exception_handler(413, too_large)
