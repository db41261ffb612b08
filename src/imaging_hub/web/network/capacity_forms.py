"""What the capacity page's forms share: the answer beside the form (done, or the refusal and why), the audit of
a refusal the page itself finds, and the room's refusals as the page answers them.

A refusal of what was typed comes back as the form's answer (status 200, so htmx shows it beside the form); a
refusal of who asked is a 403 page, something absent a 404. Each is audited once: by the room, or here when the
page refuses before the room is asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError

from imaging_hub.governance import Forbidden, Governance, GovernanceError, NotFound, Principal
from imaging_hub.network import NetworkInputError
from imaging_hub.network.operations import NetworkNotFound, NetworkRefused
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import page

T = TypeVar("T")
NAME = r"^[A-Za-z0-9.\-_]{1,64}$"  # scanner, session, visit, project and participant ids
CAPABILITY = r"^[a-z0-9\-]{1,32}$"


def audited_forms(gov: Governance) -> type[WebRoute]:
    """Pages whose forms the framework refuses before the page runs (a value out of range, in the wrong form):
    the refusal is audited with the fields at fault (never their values), then answered 422 as everywhere."""
    signed_in = signed_in_dependency(gov)

    class AuditedFormRoute(WebRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            path = self.path

            async def audited(request: Request) -> Response:
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    fields = sorted({str(e.get("loc", ("", ""))[-1])[:64] for e in exc.errors()[:20]})
                    try:
                        who = signed_in(request)  # only a signed-in caller's form gets this far
                    except GovernanceError:  # the session ended meanwhile: nobody to name
                        raise exc from None
                    page_refusal(gov, who, "capacity.form", path, f"invalid fields: {', '.join(fields)}")
                    raise

            return audited

    return AuditedFormRoute


def answer(request: Request, who: Principal, done: str = "", refusal: str = "") -> Response:
    return page(
        request,
        "network_capacity_answer.html",
        "Research scan capacity",
        who,
        "/network/capacity",
        done=done,
        refusal=refusal,
    )


def page_refusal(gov: Governance, who: Principal, action: str, entity_id: str, why: str) -> None:
    gov.context.record(
        who, f"network.{action}", "network_page", entity_id, purpose="network", outcome="denied", detail={"reason": why}
    )


def absent(gov: Governance, who: Principal, action: str, entity_id: str, what: str) -> NotFound:
    page_refusal(gov, who, action, entity_id, f"no {what} of that id")
    return NotFound(f"no {what} of that id among those you may see")


def built(gov: Governance, who: Principal, action: str, entity_id: str, make: Callable[[], T]) -> T | str:
    """The engine's object from the form, or the reason it cannot be one (audited here: the room never saw it)."""
    try:
        return make()
    except (NetworkInputError, ValueError) as exc:
        page_refusal(gov, who, action, entity_id, str(exc))
        return str(exc)


def acted(act: Callable[[], None]) -> str:
    """Ask the room; its refusal of the input as text for the form, of the person as a 403 (audited by the room)."""
    try:
        act()
    except NetworkRefused as exc:
        raise Forbidden(str(exc)) from None
    except NetworkNotFound as exc:
        raise NotFound(str(exc)) from None
    except NetworkInputError as exc:
        return str(exc)
    return ""


def capabilities_of(text: str) -> frozenset[str]:
    found = frozenset(part.strip().lower() for part in re.split(r"[;,]", text) if part.strip())
    bad = [c for c in found if not re.fullmatch(CAPABILITY, c)]
    if bad or len(found) > 20:
        raise ValueError("capabilities: up to 20 words of letters, digits and hyphens, separated by ';'")
    return found
