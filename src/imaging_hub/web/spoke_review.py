"""The spoke's review page for held instances, served by the spoke alone (``imaging-hub spoke review
serve``), never mounted on the hub: a held image may still show a name, so it is looked at where it was held.

One person at the site starts it; the address it prints carries a secret that signs the browser in (as with
a notebook server), and every look and decision is recorded under that person's name in the spoke's review
audit, refusals included. Forms work without scripts; a signed-in form carries a token derived from the
secret, and the cookie is same-site only."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import pydicom
from fastapi import FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from imaging_hub.api import PAGE_POLICY
from imaging_hub.errors import ImagingHubError
from imaging_hub.spoke import ReviewDesk, Reviewer, ReviewError, connect
from imaging_hub.web.assets import assets_router

COOKIE = "spoke_review"
_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def spoke_review_app(data_dir: Path, reviewer: str, secret: str, site_id: str = "") -> FastAPI:
    """The review app for the spoke whose data folder is ``data_dir``; ``secret`` signs a browser in."""
    app = FastAPI(title="Spoke review", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(assets_router())
    csrf = hmac.new(secret.encode(), b"csrf", hashlib.sha256).hexdigest()
    signed_in = Reviewer(reviewer, "web")

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        answer = await call_next(request)
        for name, value in _HEADERS.items():
            answer.headers.setdefault(name, value)
        return answer

    def page(template: str, status_code: int = 200, **values: object) -> HTMLResponse:
        html = _env.get_template(template).render(site_id=site_id, reviewer=reviewer, csrf=csrf, **values)
        return HTMLResponse(html, status_code=status_code)

    @contextmanager
    def session(request: Request, action: str, form_token: str | None = None) -> Iterator[tuple[ReviewDesk, Reviewer]]:
        """The desk, if this browser is signed in (and a form carries the right token); else _Refused,
        audited. The spoke database connection lives for the request, in the request's thread."""
        conn = connect(data_dir)
        try:
            desk = ReviewDesk.for_data_dir(conn, data_dir)
            if not hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), secret.encode()):
                desk.record_refusal(Reviewer("(not signed in)", "web"), action, "not signed in")
                raise _Refused(
                    page(
                        "spoke_review/refused.html",
                        403,
                        title="Not signed in",
                        why="Open the address that `imaging-hub spoke review serve` printed.",
                    )
                )
            if form_token is not None and not hmac.compare_digest(form_token.encode(), csrf.encode()):
                desk.record_refusal(signed_in, action, "form token missing or wrong")
                raise _Refused(
                    page(
                        "spoke_review/refused.html", 403, title="Refused", why="The form has expired: reload the page."
                    )
                )
            yield desk, signed_in
        finally:
            conn.close()

    @app.exception_handler(_Refused)
    def refused(_request: Request, exc: _Refused) -> Response:
        return exc.answer

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/review", status_code=303)

    @app.get("/review")
    def held_list(request: Request, token: str | None = None) -> Response:
        if token is not None:  # the printed address: sign this browser in, then drop the secret from the URL
            if not hmac.compare_digest(token.encode(), secret.encode()):
                conn = connect(data_dir)
                try:
                    ReviewDesk.for_data_dir(conn, data_dir).record_refusal(
                        Reviewer("(not signed in)", "web"), "sign-in", "wrong secret"
                    )
                finally:
                    conn.close()
                return page("spoke_review/refused.html", 403, title="Not signed in", why="That address is not valid.")
            answer = RedirectResponse("/review", status_code=303)
            answer.set_cookie(COOKIE, secret, httponly=True, samesite="strict", secure=request.url.scheme == "https")
            return answer
        with session(request, "list") as (desk, who):
            return page(
                "spoke_review/list.html",
                title="Held for review",
                items=desk.held(who),
                message=request.query_params.get("done", "")[:200],
            )

    @app.get("/review/{project_id}/{deid_sop_uid}")
    def held_item(request: Request, project_id: str, deid_sop_uid: str) -> Response:
        with session(request, "view") as (desk, who):
            try:
                item = desk.item(who, project_id, deid_sop_uid)
            except ReviewError as exc:
                return page("spoke_review/refused.html", 404, title="Not held", why=str(exc))
        header = pydicom.dcmread(item.blob, stop_before_pixels=True, specific_tags=["Rows", "Columns"])
        return page(
            "spoke_review/item.html",
            title="Held instance",
            item=item,
            rows=header.get("Rows", "?"),
            columns=header.get("Columns", "?"),
            message=request.query_params.get("done", "")[:200],
        )

    @app.get("/review/{project_id}/{deid_sop_uid}/thumbnail.png")
    def thumbnail(request: Request, project_id: str, deid_sop_uid: str) -> Response:
        with session(request, "thumbnail") as (desk, who):
            try:
                return Response(desk.thumbnail(who, project_id, deid_sop_uid), media_type="image/png")
            except ReviewError as exc:
                return Response(str(exc), status_code=404, media_type="text/plain")

    @app.post("/review/{project_id}/{deid_sop_uid}/mask")
    def add_mask(
        request: Request,
        project_id: str,
        deid_sop_uid: str,
        x: Annotated[int, Form()],
        y: Annotated[int, Form()],
        width: Annotated[int, Form()],
        height: Annotated[int, Form()],
        csrf_field: Annotated[str, Form(alias="csrf")] = "",
    ) -> Response:
        with session(request, "mask", csrf_field) as (desk, who):
            try:
                desk.add_mask(who, project_id, deid_sop_uid, (x, y, width, height))
            except ReviewError as exc:
                return page("spoke_review/refused.html", 400, title="Mask not added", why=str(exc))
        return RedirectResponse(f"/review/{project_id}/{deid_sop_uid}?done=Mask+added", status_code=303)

    @app.post("/review/{project_id}/{deid_sop_uid}/release")
    def release(
        request: Request,
        project_id: str,
        deid_sop_uid: str,
        apply_proposed: Annotated[str, Form()] = "",
        csrf_field: Annotated[str, Form(alias="csrf")] = "",
    ) -> Response:
        with session(request, "release", csrf_field) as (desk, who):
            try:
                masks = desk.release(who, project_id, deid_sop_uid, apply_proposed=apply_proposed == "yes")
            except ReviewError as exc:
                return page("spoke_review/refused.html", 400, title="Not released", why=str(exc))
        return RedirectResponse(f"/review?done=Released+with+{masks}+mask(s)", status_code=303)

    @app.post("/review/{project_id}/{deid_sop_uid}/reject")
    def reject(
        request: Request, project_id: str, deid_sop_uid: str, csrf_field: Annotated[str, Form(alias="csrf")] = ""
    ) -> Response:
        with session(request, "reject", csrf_field) as (desk, who):
            try:
                desk.reject(who, project_id, deid_sop_uid)
            except ReviewError as exc:
                return page("spoke_review/refused.html", 400, title="Not rejected", why=str(exc))
        return RedirectResponse("/review?done=Rejected+and+removed", status_code=303)

    return app


class _Refused(ImagingHubError):
    """Not an error of the spoke: carries the refusal page out of ``session`` (already audited)."""

    def __init__(self, answer: Response) -> None:
        super().__init__("refused")
        self.answer = answer
