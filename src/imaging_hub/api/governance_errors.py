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
    Unauthenticated,
)

STATUS = {Unauthenticated: 401, Forbidden: 403, NotFound: 404, InvalidTransition: 409, InvalidInput: 422}


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
            except GovernanceError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))

        return guarded
