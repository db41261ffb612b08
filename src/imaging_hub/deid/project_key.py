"""The project key: the secret that drives every pseudonym, UID and date offset of one project.

Same key, same input -> same output at every site and in every run; without the key nothing can be
reversed or confirmed. The secret never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from imaging_hub.dicom import keyed_uid
from imaging_hub.errors import ImagingHubError

_HEADER = "imaging-hub-project-key v1"
_SECRET_BYTES = 32
# Offsets move dates back between one and ten years, whole days only, so times of day and intervals survive.
_MIN_OFFSET_DAYS = 365
_OFFSET_SPAN_DAYS = 365 * 9


class KeyFileError(ImagingHubError, ValueError):
    """A key file that cannot be read as a project key (the message never quotes its content)."""


class ProjectKey:
    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise KeyFileError("a project key needs at least 16 bytes of secret")
        self._secret = bytes(secret)

    @classmethod
    def generate(cls) -> ProjectKey:
        return cls(secrets.token_bytes(_SECRET_BYTES))

    @classmethod
    def load(cls, path: Path | str) -> ProjectKey:
        path = Path(path)
        try:
            lines = path.read_text("ascii").split()
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyFileError(f"cannot read project key file {path}: {_why(exc)}") from None
        if len(lines) != 4 or " ".join(lines[:2]) != _HEADER:
            raise KeyFileError(f"{path.name} is not an Imaging Hub project key file")
        try:
            secret = base64.b64decode(lines[2] + lines[3], validate=True)
        except ValueError:
            raise KeyFileError(f"{path.name}: the key is not valid base64") from None
        return cls(secret)

    def save(self, path: Path | str, *, overwrite: bool = False) -> None:
        """Write the key to a new file readable by its owner only (mode 0600)."""
        path = Path(path)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        encoded = base64.b64encode(self._secret).decode("ascii")
        half = len(encoded) // 2
        fd = os.open(path, flags, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, f"{_HEADER}\n{encoded[:half]}\n{encoded[half:]}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    @property
    def fingerprint(self) -> str:
        """A short public name for the key (a keyed hash; reveals nothing of the secret)."""
        return self.digest("fingerprint", "")[:6].hex()

    def digest(self, purpose: str, value: str) -> bytes:
        """HMAC-SHA256 of a value, separated by purpose so one output cannot stand in for another."""
        message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8", "surrogateescape")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def uid(self, original_uid: str) -> str:
        return keyed_uid(self._secret, original_uid)

    def pseudonym(self, value: str, prefix: str = "IH") -> str:
        """A 16-character keyed pseudonym (fits SH, LO and PN)."""
        code = base64.b32encode(self.digest("pseudonym", value.strip())).decode("ascii")
        return prefix + code[: 16 - len(prefix)]

    def date_offset_days(self, subject: str) -> int:
        """The subject's date offset: negative whole days, the same at every site for the same subject."""
        number = int.from_bytes(self.digest("date-offset", subject.strip())[:8], "big")
        return -(_MIN_OFFSET_DAYS + number % _OFFSET_SPAN_DAYS)

    def __repr__(self) -> str:
        return f"ProjectKey(fingerprint={self.fingerprint})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[ProjectKey], tuple[bytes]]:
        # Process pools pickle the key to their workers; pickling stays in memory, never logged.
        return (ProjectKey, (self._secret,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProjectKey) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self.fingerprint)


def _why(exc: Exception) -> str:
    """An unreadable key file's problem in words (the exception's own text may be platform noise)."""
    if isinstance(exc, FileNotFoundError):
        return "no such file (create one with `imaging-hub keygen FILE`)"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a key file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not a text file, so not a project key"
    return f"the system could not read it ({exc.strerror or 'input/output error'})" if isinstance(exc, OSError) \
        else "unreadable"
