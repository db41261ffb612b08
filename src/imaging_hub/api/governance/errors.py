"""Governance refusals as HTTP answers, for every route of a governance router."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from imaging_hub.governance import (
    Forbidden,
    GovernanceError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SignInThrottled,
    Unauthenticated,
)

STATUS = {
    SignInThrottled: 429,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    InvalidTransition: 409,
    InvalidInput: 400,
}


def status_for(error: GovernanceError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


class GovernanceRoute(APIRoute):
    """Turns a ``GovernanceError`` raised by the domain into a JSON error naming the problem."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInThrottled as exc:
                return JSONResponse(
                    {"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)}
                )
            except GovernanceError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))

        return guarded


_ERROR_BODY: dict[str, Any] = {
    "content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}}}}}
}
# Declared on every governance route so the OpenAPI description tells clients every refusal they can meet.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request names something impossible; the detail says what", **_ERROR_BODY},
    401: {"description": "Not signed in, or the credentials are wrong, expired or revoked", **_ERROR_BODY},
    403: {"description": "Signed in but not allowed", **_ERROR_BODY},
    404: {"description": "No such object, or not one the caller may know about", **_ERROR_BODY},
    409: {"description": "Not possible in the object's current state", **_ERROR_BODY},
}
# Only signing in can be throttled.
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many failed sign-ins for this account or address; wait Retry-After", **_ERROR_BODY},
    413: {"description": "The body is larger than this route accepts", **_ERROR_BODY},
}
