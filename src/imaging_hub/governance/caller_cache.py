"""Callers by API token, remembered between requests without letting a change through late.

Looking a token's caller up costs several queries (the token, the person and their roles, agreements in force,
closed projects): most of a search's time once 20 clients share two cores. An entry keeps the principal and
the projects it reads, and is used only while three things hold: the governance generation is the one it was
built at (every governance transaction moves it, in any process, so a token revoked, a role removed, an
agreement ended or a project closed drops every entry at the very next request), the token has not expired
(checked to the microsecond), and it is younger than ``TTL`` (what only the clock changes, an agreement's end
date passing, reaches callers within that). Entries are keyed by the token's SHA-256, never the token.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from imaging_hub.governance.principal import Principal
from imaging_hub.governance.service import Governance

TTL = timedelta(seconds=5)
_MAX_ENTRIES = 1024


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    readable: frozenset[str]
    generation: int
    expires_at: datetime  # the token's
    built_at: datetime


class CallerCache:
    """``reader(token, address)``: a token's principal and readable projects, as fresh as an uncached lookup."""

    def __init__(self, gov: Governance) -> None:
        self._gov = gov
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def reader(self, token: str, address: str) -> tuple[Principal, frozenset[str]]:
        """Raises ``Unauthenticated`` as ``Access.token_principal`` does (failures are never cached)."""
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        generation = self._gov.context.generation()
        now = self._gov.clock()
        with self._lock:
            entry = self._entries.get(key)
        if (
            entry is not None
            and entry.generation == generation
            and now < entry.expires_at
            and now - entry.built_at < TTL
        ):
            return replace(entry.principal, address=address), entry.readable
        principal, expires_at = self._gov.access.token_principal_until(token, address)
        readable = self._gov.authority.readable_projects(principal)
        with self._lock:
            self._entries[key] = _Entry(principal, readable, generation, expires_at, now)
            self._entries.move_to_end(key)
            while len(self._entries) > _MAX_ENTRIES:
                self._entries.popitem(last=False)
        return principal, readable
