"""``/network/catalogue``: the network's catalogue of imaging data collections and imaging research capacity,
searched in full text, each entry also served as schema.org ``Dataset`` JSON-LD for other catalogues to harvest
(with an API token). Open to everyone signed in: entries carry no participant-level value and the hub's own
snapshots withhold small counts. Every search and export is audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from imaging_hub.governance import Governance, GovernanceError, NotFound, Principal
from imaging_hub.network.catalogue import Catalogue, CatalogueInputError, EntryKind
from imaging_hub.web.network.access import viewed
from imaging_hub.web.pages import WebRoute, signed_in_dependency
from imaging_hub.web.pages.session import page

KEY = r"^[a-z0-9][a-z0-9-]{0,99}$"


def router(gov: Governance, catalogue: Catalogue) -> APIRouter:
    pages = APIRouter(include_in_schema=False, route_class=WebRoute)
    who_dep = Depends(signed_in_dependency(gov))

    @pages.get("/network/catalogue")
    def search(
        request: Request,
        q: str = Query("", max_length=200),
        kind: str = Query("", max_length=32),
        who: Principal = who_dep,
    ) -> Response:
        try:
            wanted = EntryKind(kind) if kind else None
        except ValueError:
            raise GovernanceError("kind: not a kind of catalogue entry") from None
        try:
            found = [h.entry for h in catalogue.search(q, wanted, 50)] if q.strip() else catalogue.entries(wanted)
        except CatalogueInputError as exc:
            raise GovernanceError(str(exc)) from None
        viewed(gov, who, "catalogue.search", "catalogue", words=len(q.split()), kind=kind, results=len(found))
        return page(
            request,
            "network_catalogue.html",
            "Catalogue",
            who,
            "/network/catalogue",
            entries=found,
            q=q,
            kind=kind,
            kinds=[k.value for k in EntryKind],
        )

    @pages.get("/network/catalogue/{key}.jsonld")
    def jsonld(request: Request, key: str, who: Principal = who_dep) -> Response:
        document = catalogue.jsonld(key, str(request.base_url).rstrip("/")) if len(key) <= 100 else None
        if document is None:
            raise NotFound("no catalogue entry with that key")
        viewed(gov, who, "catalogue.jsonld", key)
        return JSONResponse(document, media_type="application/ld+json")

    return pages
