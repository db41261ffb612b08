"""Who is on each association: the caller's scope, made once when the association is requested.

``admit`` asks ``scope_for`` before anything is negotiated and refuses the association (A-ASSOCIATE-RJ)
when it is addressed to another AE title than ``called_ae_title`` (when one is required), when the scope
does not admit the caller (an unmapped peer under governance), when the caller already holds
``per_peer`` associations, counted by calling AE title and by address (one peer cannot take every slot the
server has), or when the server holds ``maximum`` already. Both receive paths admit through it, so one
registry counts every association held: pynetdicom's (``requested``, the ``EVT_REQUESTED`` handler; an
association leaves the registry when its connection closes or its thread has ended) and the direct storage
associations (``release`` when they end). The SCPs then read the scope kept for their association.
Every check is made here, before the audit trail is told the association was accepted: pynetdicom's own
AE title checks would run after ``EVT_REQUESTED`` and so after that record, and are left off.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass

from pynetdicom.association import Association
from pynetdicom.events import Event

from imaging_hub.dimse.scope import ProjectScope, ScopeProvider, admitted, record_association

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """An A-ASSOCIATE-RJ's (result, source, diagnostic) (PS3.8 9.3.4) and why, for the audit trail."""

    result: int
    source: int
    diagnostic: int
    why: str


_NOT_RECOGNISED = (0x01, 0x01, 0x03)  # rejected permanent, service user, calling AE title not recognised
_CALLED_NOT_RECOGNISED = (0x01, 0x01, 0x07)  # rejected permanent, service user, called AE title not recognised
_LIMIT_EXCEEDED = (0x02, 0x03, 0x02)  # rejected transient, service provider (presentation), local limit


@dataclass(frozen=True)
class _Holding:
    calling: str
    address: str


class Callers:
    """``called_ae_title``: refuse associations addressed to any other title (None: any title is taken)."""

    def __init__(self, scope_for: ScopeProvider, per_peer: int, maximum: int, *,
                 called_ae_title: str | None = None) -> None:
        if per_peer < 1 or maximum < 1:
            raise ValueError("at least one association per peer, and in all, must be allowed")
        self._scope_for = scope_for
        self._called = called_ae_title.strip() if called_ae_title is not None else None
        self._per_peer = per_peer
        self._maximum = maximum
        self._scopes: weakref.WeakKeyDictionary[Association, ProjectScope] = weakref.WeakKeyDictionary()
        self._held: dict[object, _Holding] = {}  # every association admitted and not yet ended, both paths
        self._lock = threading.Lock()

    def admit(self, holder: object, calling: str, address: str, called: str) -> tuple[ProjectScope, Refusal | None]:
        """Decide the caller's scope and whether ``holder`` (one association, addressed to ``called``) may be
        held; admitted ones are counted until ``release(holder)`` (or, for a pynetdicom association, until its
        thread ends)."""
        scope = self._scope_for(calling, address)
        if self._called is not None and called.strip() != self._called:
            log.warning("refused an association from %s: addressed to another AE title", calling)
            return scope, self._refused(scope, _CALLED_NOT_RECOGNISED, "called AE title is not this server's")
        if not admitted(scope):
            log.warning("refused an association from an unrecognised AE at %s", address)
            return scope, self._refused(scope, _NOT_RECOGNISED, "calling AE title not recognised for this address")
        with self._lock:
            self._forget_ended()
            by_title = 1 + sum(1 for held in self._held.values() if held.calling == calling)
            by_address = 1 + sum(1 for held in self._held.values() if held.address == address)
            in_all = 1 + len(self._held)
            if in_all <= self._maximum and max(by_title, by_address) <= self._per_peer:
                self._held[holder] = _Holding(calling, address)
        if max(by_title, by_address) > self._per_peer:
            log.warning("refused an association from %s: it holds %d already", calling, self._per_peer)
            why = f"more than {self._per_peer} associations from one peer"
            return scope, self._refused(scope, _LIMIT_EXCEEDED, why)
        if in_all > self._maximum:
            log.warning("refused an association from %s: the server holds %d already", calling, self._maximum)
            return scope, self._refused(scope, _LIMIT_EXCEEDED, f"more than {self._maximum} associations in all")
        record_association(scope, True)
        return scope, None

    def release(self, holder: object) -> None:
        """``holder``'s association has ended: its slot is free."""
        with self._lock:
            self._held.pop(holder, None)

    def requested(self, event: Event) -> None:
        """``EVT_REQUESTED``: decide the caller's scope, or refuse the association."""
        assoc = event.assoc
        scope, refusal = self.admit(assoc, _calling_ae(assoc), str(assoc.requestor.address), _called_ae(assoc))
        with self._lock:
            self._scopes[assoc] = scope
        if refusal is not None:
            assoc.acse.send_reject(refusal.result, refusal.source, refusal.diagnostic)
            assoc.kill()  # as pynetdicom's own refusals do: the DUL sends the rejection, then the thread ends

    def closed(self, event: Event) -> None:
        """``EVT_CONN_CLOSE``: a pynetdicom association's connection is closed."""
        self.release(event.assoc)

    def scope(self, assoc: Association) -> ProjectScope:
        """The scope decided when ``assoc`` was requested (asked now if, unusually, it was not)."""
        with self._lock:
            scope = self._scopes.get(assoc)
        if scope is None:
            scope = self._scope_for(_calling_ae(assoc), str(assoc.requestor.address))
            with self._lock:
                self._scopes[assoc] = scope
        return scope

    def _forget_ended(self) -> None:
        """Drop pynetdicom associations whose thread has ended without a close event (a rejection, a kill)."""
        for holder in [h for h in self._held if isinstance(h, threading.Thread) and not h.is_alive()]:
            del self._held[holder]

    @staticmethod
    def _refused(scope: ProjectScope, reason: tuple[int, int, int], why: str) -> Refusal:
        record_association(scope, False, why)
        return Refusal(*reason, why)


def _calling_ae(assoc: Association) -> str:
    primitive = assoc.requestor.primitive
    title = primitive.calling_ae_title if primitive is not None else assoc.requestor.ae_title
    return str(title or "").strip()


def _called_ae(assoc: Association) -> str:
    primitive = assoc.requestor.primitive
    return str(primitive.called_ae_title or "").strip() if primitive is not None else ""
