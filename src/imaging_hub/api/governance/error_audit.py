"""Requests that end in an unhandled error (a 500) land in the audit trail too.

The entry names the route's template (``/dicom-web/studies/{study}/metadata``, never the values in the
path or query), the caller as authentication found them (``anonymous`` before that), the method and the
exception's type; never its message, which may quote input. A stream that broke after its status went out
was audited by its route already, so it is not counted twice.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from imaging_hub.api.streaming import StreamBroken
from imaging_hub.governance import AuditRecord, Governance

log = logging.getLogger(__name__)
CALLER_STATE = "audit_caller"  # request.state key under which authentication leaves the caller's audit name


def _template(scope: Scope) -> str:
    """The request's path with each path parameter's value replaced by its name: no values in the audit."""
    params: dict[str, Any] = scope.get("path_params") or {}
    if scope.get("route") is None:
        return "unmatched route"
    path = str(scope.get("path", ""))
    for name, value in sorted(params.items(), key=lambda item: -len(str(item[1]))):
        if str(value):
            path = path.replace(str(value), "{" + name + "}")
    return path[:200]


class ErrorAudit:
    """Pure ASGI middleware: records an ``http.error`` entry, then lets the error reach the server's handler."""

    def __init__(self, app: ASGIApp, gov: Governance) -> None:
        self.app = app
        self.gov = gov

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except StreamBroken:
            raise
        except Exception as exc:
            self._record(scope, exc)
            raise

    def _record(self, scope: Scope, exc: Exception) -> None:
        state = scope.get("state") or {}
        caller = state.get(CALLER_STATE) if isinstance(state, dict) else None
        try:
            self.gov.audit.record(AuditRecord(
                actor=str(caller or "anonymous"),
                actor_kind="person" if caller else "unknown",
                action="http.error",
                entity_type="route",
                entity_id=_template(scope),
                outcome="error",
                detail={"method": scope.get("method", ""), "status": 500, "error": type(exc).__name__},
            ))
        except Exception as audit_exc:  # the request fails either way; say the audit failed too
            log.error("could not audit a failed request: %s", type(audit_exc).__name__)
