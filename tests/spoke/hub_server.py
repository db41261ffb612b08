"""A hub for spoke tests: the real archive and FastAPI app (STOW-RS + spoke routes) served by uvicorn
over TLS, with per-spoke bearer tokens checked (a stand-in for governance's token check).

    python tests/spoke/hub_server.py --data D --port P --cert C --key K --token SITE=TOKEN ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import HTTPException, Request

from imaging_hub.api import AccessScope, create_app
from imaging_hub.api.spoke_routes import spoke_router
from imaging_hub.store import Archive


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", type=Path, required=True)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--token", action="append", default=[], help="SITE=TOKEN")
    args = parser.parse_args()
    tokens = {token: site for site, token in (t.split("=", 1) for t in args.token)}

    def scope(request: Request) -> AccessScope:
        header = request.headers.get("authorization", "")
        site = tokens.get(header.removeprefix("Bearer ").strip()) if header.startswith("Bearer ") else None
        if site is None:
            raise HTTPException(401, detail="a valid spoke token is required")
        return AccessScope(principal=f"spoke:{site}", projects=None)

    archive = Archive.open(args.data)
    app = create_app(archive, scope_dependency=scope, extra_routers=[spoke_router(args.data / "spoke-reports")])
    uvicorn.run(app, host="127.0.0.1", port=args.port, ssl_certfile=str(args.cert), ssl_keyfile=str(args.key),
                log_level="warning")


if __name__ == "__main__":
    main()
