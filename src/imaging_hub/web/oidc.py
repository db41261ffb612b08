"""An OpenID Connect relying party: authorization code flow with PKCE (S256), state and nonce.

Nothing of a pending sign-in is stored on the server. The browser holds one random secret in an HttpOnly
cookie; the state, the nonce and the PKCE verifier are all derived from it by HMAC, so any hub worker can
finish the flow, and only the browser that started it can. The ID token's signature is checked against the
provider's published keys (JWKS), then its issuer, audience, expiry and nonce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from imaging_hub.errors import ImagingHubError
from imaging_hub.web.oidc_settings import OidcSettings

CLOCK_SKEW_SECONDS = 60


class OidcError(ImagingHubError):
    """The sign-in cannot be trusted or completed; the message says why (never a token or a secret)."""


@dataclass(frozen=True)
class FlowSecrets:
    """What one sign-in attempt needs, all derived from the browser's cookie secret."""

    cookie: str
    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> FlowSecrets:
        return cls.of(secrets.token_urlsafe(32))

    @classmethod
    def of(cls, cookie: str) -> FlowSecrets:
        def derive(purpose: str) -> str:
            digest = hmac.new(cookie.encode(), purpose.encode(), hashlib.sha256).digest()
            return _b64(digest)

        return cls(
            cookie=cookie, state=derive("state"), nonce=derive("nonce"), verifier=derive("pkce")
        )  # 43 characters: RFC 7636 minimum

    @property
    def challenge(self) -> str:
        return _b64(hashlib.sha256(self.verifier.encode()).digest())


@dataclass(frozen=True)
class Identity:
    subject: str
    email: str | None  # only when the provider says it is verified


class OidcClient:
    def __init__(self, settings: OidcSettings) -> None:
        if not settings.enabled or settings.issuer is None:
            raise ValueError("OIDC needs an issuer and a client id")
        self.settings = settings
        self.issuer = settings.issuer.rstrip("/")
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    # Provider metadata and keys ------------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                found = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
                if str(found.get("issuer", "")).rstrip("/") != self.issuer:
                    raise OidcError("the identity provider's discovery document names another issuer")
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(found.get(key), str):
                        raise OidcError(f"the identity provider's discovery document has no {key}")
                self._metadata = found
            return self._metadata

    def _key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            keys = self._keys
        if keys is None or refresh:
            keys = KeySet.import_key_set(self._get_json(self.metadata()["jwks_uri"]))  # type: ignore[arg-type]
            with self._lock:
                self._keys = keys
        return keys

    # The flow ------------------------------------------------------------------------------------------------
    def authorization_url(self, flow: FlowSecrets, redirect_uri: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.settings.scopes,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.metadata()['authorization_endpoint']}?{urlencode(query)}"

    def finish(self, flow: FlowSecrets, state: str, code: str, redirect_uri: str, now: datetime) -> Identity:
        """Check the state, exchange the code (with the PKCE verifier) and verify the ID token."""
        if not hmac.compare_digest(state, flow.state):
            raise OidcError("the sign-in response does not belong to this browser's sign-in (state)")
        tokens = self._post_token(code, flow.verifier, redirect_uri)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("the identity provider returned no ID token")
        return self.verify_id_token(id_token, flow.nonce, now)

    def verify_id_token(self, id_token: str, nonce: str, now: datetime) -> Identity:
        claims = self._verified_claims(id_token)
        if str(claims.get("iss", "")).rstrip("/") != self.issuer:
            raise OidcError("ID token from another issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.settings.client_id not in audiences:
            raise OidcError("ID token issued for another client (audience)")
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise OidcError("ID token authorised for another client (azp)")
        moment = now.timestamp()
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or moment >= expires + CLOCK_SKEW_SECONDS:
            raise OidcError("ID token expired")
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or issued > moment + CLOCK_SKEW_SECONDS:
            raise OidcError("ID token issued in the future")
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise OidcError("ID token not issued for this sign-in (nonce)")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise OidcError("ID token names no subject")
        email = claims.get("email") if claims.get("email_verified") is True else None
        return Identity(subject=subject, email=email if isinstance(email, str) else None)

    def _verified_claims(self, id_token: str) -> dict[str, Any]:
        problem = ""
        for refresh in (False, True):  # on failure, fetch the keys again once: the provider may have rotated them
            try:
                token = jwt.decode(id_token, self._key_set(refresh), algorithms=self.settings.algorithms)
                return dict(token.claims)
            except (JoseError, ValueError) as exc:
                problem = type(exc).__name__
        raise OidcError(f"ID token signature not valid ({problem})")

    # HTTP ----------------------------------------------------------------------------------------------------
    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            answer = httpx.get(url, timeout=self.settings.timeout_seconds)
            answer.raise_for_status()
            found = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"the identity provider could not be reached ({type(exc).__name__})") from None
        if not isinstance(found, dict):
            raise OidcError("the identity provider answered with something other than a JSON object")
        return found

    def _post_token(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        try:
            answer = httpx.post(
                self.metadata()["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                },
                auth=(self.settings.client_id, self.settings.client_secret.get_secret_value()),
                timeout=self.settings.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            raise OidcError(f"the identity provider could not be reached ({type(exc).__name__})") from None
        if answer.status_code != 200:
            raise OidcError(f"the identity provider refused the sign-in code (HTTP {answer.status_code})")
        try:
            found = answer.json()
        except ValueError:
            raise OidcError("the identity provider's token answer is not JSON") from None
        return found if isinstance(found, dict) else {}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
