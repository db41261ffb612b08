"""Which passwords a person may choose, after NCSC password guidance: no composition rules, a minimum length,
and a deny list of the most common passwords (shipped in ``data/common-passwords.txt``, see its README),
including the same words with digits or symbols around them, look-alike substitutions or repeated; nothing
made of the person's own name or email address; nothing that is only spaces or one character over and over.

Each refusal says which rule failed and never repeats the password.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from itertools import pairwise

from imaging_hub.governance.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this only stops a megabyte "password"
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits, symbols and spaces added before or after a word
_LOOKALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_NAME_PARTS = re.compile(r"[^\w]+|_")


class WeakPassword(InvalidInput):
    """The password breaks a rule; the message names the rule."""


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("imaging_hub.governance").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise ``WeakPassword`` naming the first rule ``password`` breaks for the person with this email and name."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password must be at most {MAX_LENGTH} characters")
    squeezed = "".join(password.split()).lower()
    if not squeezed or len(set(squeezed)) == 1:
        raise WeakPassword("password must not be only spaces or one character repeated")
    if _is_common(squeezed):
        raise WeakPassword(
            "password is one of the most commonly used passwords, or one with digits, symbols or repeats added"
        )
    if any(part in squeezed for part in _personal_parts(email, name)):
        raise WeakPassword("password must not contain your name or your email address")


def _is_common(squeezed: str) -> bool:
    common = common_passwords()
    core = _EDGES.sub("", squeezed)
    candidates = {squeezed, squeezed.translate(_LOOKALIKES), core, core.translate(_LOOKALIKES)}
    candidates |= {_period(c) for c in list(candidates)}
    # A short repeated pattern ("abababababab", "123123123123") or a run ("123456789012") is as weak as a
    # common password.
    if any(len(_period(c)) <= 3 or _is_run(c) for c in (squeezed, core) if len(c) >= 4):
        return True
    return any(c in common for c in candidates if c)


def _is_run(text: str) -> bool:
    """Consecutive characters up or down: "123456789012", "abcdefghijkl", "987654321098"."""
    steps = {(ord(b) - ord(a)) % (10 if a.isdigit() and b.isdigit() else 26) for a, b in pairwise(text)}
    return len(steps) == 1 and steps <= {1, 9, 25}


def _period(text: str) -> str:
    """The shortest piece ``text`` is made of by repetition ("passwordpassword" -> "password")."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _personal_parts(email: str, name: str) -> set[str]:
    local = email.strip().lower().partition("@")[0]
    parts = {p for p in _NAME_PARTS.split(local) if len(p) >= 4}
    parts |= {p for p in _NAME_PARTS.split(name.lower()) if len(p) >= 4}
    if len(local) >= 3:
        parts.add(local)
    whole_name = "".join(name.lower().split())
    if len(whole_name) >= 4:
        parts.add(whole_name)
    return parts
