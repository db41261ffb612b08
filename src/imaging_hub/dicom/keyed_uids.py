"""Keyed UIDs: a deterministic ``2.25`` UID from a secret and an original UID (PS3.5 B.2).

HMAC-SHA256 truncated to 128 bits, written as the decimal integer under the 2.25 root (at most 44
characters). The same secret maps the same UID to the same new UID at every site; without the secret the
original cannot be recovered or confirmed.
"""

from __future__ import annotations

import hashlib
import hmac

UUID_ROOT = "2.25."


def keyed_uid(secret: bytes, uid: str) -> str:
    digest = hmac.new(secret, b"uid\x00" + uid.strip("\x00 ").encode("ascii", "replace"), hashlib.sha256)
    return UUID_ROOT + str(int.from_bytes(digest.digest()[:16], "big"))
