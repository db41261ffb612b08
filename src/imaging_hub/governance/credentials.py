"""Session cookies and API tokens: random secrets handed out once, stored only as SHA-256 hashes.

A token reads ``ihub_<key id>_<secret>``: the key id finds the row, the secret is compared by hash in
constant time. High-entropy secrets need no slow hash; passwords (chosen by people) use argon2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "ihub"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenParts:
    key_id: str
    secret: str


def new_token() -> tuple[str, TokenParts]:
    parts = TokenParts(key_id=secrets.token_hex(8), secret=secrets.token_urlsafe(32))
    return f"{TOKEN_PREFIX}_{parts.key_id}_{parts.secret}", parts


def parse_token(token: str) -> TokenParts | None:
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or len(key_id) != 16 or not secret:
        return None
    return TokenParts(key_id=key_id, secret=secret)


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(sha256_hex(secret), stored_hash)


def csrf_token(session_secret: str) -> str:
    """The form token bound to a session: derived from its secret, so nothing more is stored."""
    return hmac.new(session_secret.encode(), b"imaging-hub-csrf", hashlib.sha256).hexdigest()
