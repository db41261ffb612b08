"""422 answers that name the field and the problem, never the value sent.

FastAPI's own handler returns each error's ``input`` (and ``ctx``): a password, a patient identifier or a
200 MB string would come straight back, and encoding a deeply nested input can itself fail. This one keeps
only where (``loc``), what kind (``type``) and the message (``msg``), which pydantic writes without the value.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_ERRORS = 20


def _location(loc: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part)[:64] for part in tuple(loc)[:16]]


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    return {
        "loc": _location(error.get("loc", ())),
        "type": str(error.get("type", "invalid"))[:64],
        "msg": str(error.get("msg", "invalid value"))[:300],
    }


def install_validation_answer(app: FastAPI) -> None:
    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        return JSONResponse({"detail": [_problem(e) for e in errors[:MAX_ERRORS]]}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid)
