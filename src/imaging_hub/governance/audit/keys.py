"""The audit chain's keys, held outside the database: HMAC keys that key each entry, and the Ed25519 key
that signs checkpoints of the chain's head.

Someone who can write the database but not read this folder can no longer append, alter or rewrite entries
with hashes that verify. The folder (by default ``<data>/secrets/audit``, or the ``audit_keys`` setting) holds:

- ``hmac-<id>.key``: one HMAC-SHA256 key per id; rotation adds one and makes it current, old ones stay so
  older entries (each records its key id) still verify;
- ``keys.json``: the current key id, and ``legacy_until``: the last entry written before the chain was
  keyed (those verify by their plain hash; any unkeyed entry after it is forged);
- ``checkpoint-signing.pem`` / ``.pub.pem``: the Ed25519 key pair that signs checkpoints.

Every file is created 0600 in a 0700 folder.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from imaging_hub.errors import ImagingHubError
from imaging_hub.files import write_atomic

_INDEX = "keys.json"
_SIGNING = "checkpoint-signing.pem"
_VERIFYING = "checkpoint-signing.pub.pem"


class AuditKeyError(ImagingHubError):
    """The key folder is missing a key it should hold, or cannot be read."""


class AuditKeys:
    """Open with :meth:`open`; reads keys lazily and caches them."""

    def __init__(self, folder: Path, current: str, legacy_until: int) -> None:
        self.folder = folder
        self.current_id = current
        self.legacy_until = legacy_until
        self._hmac: dict[str, bytes] = {}

    @classmethod
    def open(cls, folder: Path, head_seq: int) -> AuditKeys:
        """The keys in ``folder``, made on first use; ``head_seq``: the chain's last entry now (entries up to
        it were written unkeyed, before this folder existed)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        index = folder / _INDEX
        if not index.exists():
            key_id = _new_key_id()
            _write_secret(folder / f"hmac-{key_id}.key", secrets.token_hex(32).encode())
            _make_signing_key(folder)
            try:  # two processes starting at once: the first to publish the index wins, the other reads it
                fd = os.open(index, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    json.dump({"current": key_id, "legacy_until": head_seq}, out)
                    out.flush()
                    os.fsync(out.fileno())
        try:
            values = json.loads(index.read_text())
            return cls(folder, str(values["current"]), int(values["legacy_until"]))
        except (OSError, ValueError, KeyError) as exc:
            raise AuditKeyError(f"cannot read the audit key index {index}: {type(exc).__name__}") from None

    def hmac_key(self, key_id: str) -> bytes:
        if key_id not in self._hmac:
            path = self.folder / f"hmac-{key_id}.key"
            if not key_id.isalnum() or not path.exists():
                raise AuditKeyError(f"no audit key {key_id!r} in {self.folder}")
            self._hmac[key_id] = bytes.fromhex(path.read_text().strip())
        return self._hmac[key_id]

    def rotate(self) -> str:
        """Make a new HMAC key current (old ones stay, for verifying); returns its id."""
        key_id = _new_key_id()
        _write_secret(self.folder / f"hmac-{key_id}.key", secrets.token_hex(32).encode())
        _write_secret(self.folder / _INDEX,
                      json.dumps({"current": key_id, "legacy_until": self.legacy_until}).encode())
        self.current_id = key_id
        return key_id

    def sign(self, payload: bytes) -> bytes:
        key = serialization.load_pem_private_key((self.folder / _SIGNING).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise AuditKeyError(f"{_SIGNING} is not an Ed25519 key")
        return key.sign(payload)

    def public_key_pem(self) -> bytes:
        return (self.folder / _VERIFYING).read_bytes()


def signature_valid(public_key_pem: bytes, payload: bytes, signature: bytes) -> bool:
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        return False
    return True


def _new_key_id() -> str:
    return secrets.token_hex(4)


def _make_signing_key(folder: Path) -> None:
    if (folder / _SIGNING).exists():
        return
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_secret(folder / _SIGNING, private)
    write_atomic(folder / _VERIFYING, public, mode=0o644)


def _write_secret(path: Path, data: bytes) -> None:
    write_atomic(path, data, mode=0o600)
