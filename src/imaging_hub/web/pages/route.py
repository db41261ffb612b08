"""Every page's route class: a refusal from the domain becomes a page, not a JSON error."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from imaging_hub.governance import Forbidden, GovernanceError, InvalidTransition, NotFound, Unauthenticated
from imaging_hub.web.rendering import render


class WebRoute(APIRoute):
    """Domain refusals as pages: not signed in goes to the sign-in page, the rest get a plain explanation."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthenticated:
                return RedirectResponse("/sign-in", status_code=303)
            except Forbidden as exc:
                return render("error.html", "Not allowed", detail=str(exc), status_code=403)
            except NotFound as exc:
                return render("error.html", "Page not found", detail=str(exc), status_code=404)
            except InvalidTransition as exc:  # the state forbids it now (as the API's 409)
                return render("error.html", "That could not be done", detail=str(exc), status_code=409)
            except GovernanceError as exc:
                return render("error.html", "That could not be done", detail=str(exc), status_code=400)

        return guarded
