"""Security headers on every answer the hub gives, JSON, DICOMweb and pages alike.

A response that already set one of these (a page's own Content-Security-Policy, a static file's
Cache-Control) keeps its own. Strict-Transport-Security only when the request came over TLS.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Answers that are not pages (JSON, DICOM, errors) may load nothing and be framed by nobody.
NO_CONTENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Pages: the design system's CSS and htmx, served by the hub itself; no inline script or style.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"

_ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", NO_CONTENT_POLICY)
                # Nothing the hub answers is for a shared cache unless the route says so (static files do).
                headers.setdefault("cache-control", "no-store")
                if secure:
                    headers.setdefault("strict-transport-security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)
