"""A minimal OpenID Connect provider that speaks the real protocol: discovery, an authorization endpoint that
signs the configured user straight in, a token endpoint checking client secret, code, redirect URI and PKCE,
and a JWKS. ``misbehave`` makes its next ID token wrong in one named way, to test the relying party's checks."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "imaging-hub"
CLIENT_SECRET = "provider-client-secret"


@dataclass
class Provider:
    issuer: str = ""
    subject: str = "staff-0001"
    email: str | None = "res@uni.example"
    email_verified: bool = True
    misbehave: str = ""  # "" | signature | nonce | audience | expired | issuer
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "signing-1"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def id_token(self, grant: dict[str, str]) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.subject,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
        }
        if self.email is not None:
            claims.update(email=self.email, email_verified=self.email_verified)
        key = self.key
        if self.misbehave == "signature":  # same key id, someone else's key
            key = RSAKey.generate_key(2048, parameters={"kid": "signing-1"})
        elif self.misbehave == "nonce":
            claims["nonce"] = "replayed-" + grant["nonce"]
        elif self.misbehave == "audience":
            claims["aud"] = "another-client"
        elif self.misbehave == "expired":
            claims.update(iat=now - 3600, exp=now - 600)
        elif self.misbehave == "issuer":
            claims["iss"] = "https://impostor.example"
        return jwt.encode({"alg": "RS256", "kid": "signing-1"}, claims, key)


def provider_app(provider: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": provider.issuer,
            "authorization_endpoint": f"{provider.issuer}/authorize",
            "token_endpoint": f"{provider.issuer}/token",
            "jwks_uri": f"{provider.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return KeySet([provider.key]).as_dict(private=False)

    @app.get("/authorize")
    def authorize(request: Request) -> RedirectResponse:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            raise HTTPException(400, "unknown client or response type")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge") or "openid" not in q["scope"]:
            raise HTTPException(400, "PKCE S256 and the openid scope are required")
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {k: q[k] for k in ("redirect_uri", "nonce", "code_challenge")}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    @app.post("/token")
    def token(
        request: Request,
        grant_type: str = Form(),
        code: str = Form(),
        redirect_uri: str = Form(),
        code_verifier: str = Form(),
    ) -> dict[str, Any]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            raise HTTPException(401, "invalid_client")
        grant = provider.codes.pop(code, None)  # a code works once
        if grant_type != "authorization_code" or grant is None or grant["redirect_uri"] != redirect_uri:
            raise HTTPException(400, "invalid_grant")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["code_challenge"]:
            raise HTTPException(400, "invalid_grant: PKCE verifier does not match")
        return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": provider.id_token(grant)}

    return app


class RunningProvider:
    """The provider served by uvicorn on a free port, in a background thread."""

    def __init__(self, port: int) -> None:
        self.provider = Provider(issuer=f"http://127.0.0.1:{port}")
        config = uvicorn.Config(provider_app(self.provider), host="127.0.0.1", port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)
        return self.provider

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
