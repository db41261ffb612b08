"""Password hashing with argon2id (argon2-cffi defaults: RFC 9106 low-memory profile); what may be hashed
is ``password_policy``'s to say."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from imaging_hub.governance.password_policy import check_password

_hasher = PasswordHasher()
# A real hash to verify against when the account does not exist, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("imaging-hub-not-a-password")


def hash_password(password: str, *, email: str = "", name: str = "") -> str:
    """The argon2id hash of a password the policy accepts for the person with this email and name."""
    check_password(password, email=email, name=name)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
