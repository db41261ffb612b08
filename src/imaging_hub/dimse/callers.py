"""Who is on each association: the caller's scope, made once when the association is requested.

The ``EVT_REQUESTED`` handler asks ``scope_for`` before anything is negotiated and refuses the association
(A-ASSOCIATE-RJ) when the scope does not admit the caller (an unmapped peer under governance), or when the
caller already holds ``per_peer`` associations, counted by calling AE title and by address: one peer cannot
take every slot the server has. The SCPs then read the scope kept for their association.
"""

from __future__ import annotations

import logging
import threading
import weakref

from pynetdicom.association import Association
from pynetdicom.events import Event

from imaging_hub.dimse.scope import ProjectScope, ScopeProvider, admitted, record_association

log = logging.getLogger(__name__)

# PS3.8 9.3.4: (result, source, diagnostic)
_NOT_RECOGNISED = (0x01, 0x01, 0x03)  # rejected permanent, service user, calling AE title not recognised
_LIMIT_EXCEEDED = (0x02, 0x03, 0x02)  # rejected transient, service provider (presentation), local limit


class Callers:
    def __init__(self, scope_for: ScopeProvider, per_peer: int) -> None:
        if per_peer < 1:
            raise ValueError("at least one association per peer must be allowed")
        self._scope_for = scope_for
        self._per_peer = per_peer
        self._scopes: weakref.WeakKeyDictionary[Association, ProjectScope] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def requested(self, event: Event) -> None:
        """``EVT_REQUESTED``: decide the caller's scope, or refuse the association."""
        assoc = event.assoc
        calling = _calling_ae(assoc)
        address = str(assoc.requestor.address)
        scope = self._scope_for(calling, address)
        with self._lock:
            self._scopes[assoc] = scope
        if not admitted(scope):
            log.warning("refused an association from an unrecognised AE at %s", address)
            self._refuse(assoc, scope, _NOT_RECOGNISED, "calling AE title not recognised for this address")
        elif self._held(assoc, calling, address) > self._per_peer:
            log.warning("refused an association from %s: it holds %d already", calling, self._per_peer)
            self._refuse(assoc, scope, _LIMIT_EXCEEDED, f"more than {self._per_peer} associations from one peer")
        else:
            record_association(scope, True)

    def scope(self, assoc: Association) -> ProjectScope:
        """The scope decided when ``assoc`` was requested (asked now if, unusually, it was not)."""
        with self._lock:
            scope = self._scopes.get(assoc)
        if scope is None:
            scope = self._scope_for(_calling_ae(assoc), str(assoc.requestor.address))
            with self._lock:
                self._scopes[assoc] = scope
        return scope

    def _held(self, assoc: Association, calling: str, address: str) -> int:
        """The larger of: this caller's associations by AE title, by address (this one included)."""
        others = [a for a in assoc.ae.active_associations if a.is_acceptor and not a.is_rejected]
        by_title = sum(1 for a in others if _calling_ae(a) == calling)
        by_address = sum(1 for a in others if str(a.requestor.address) == address)
        return max(by_title, by_address)

    @staticmethod
    def _refuse(assoc: Association, scope: ProjectScope, reason: tuple[int, int, int], why: str) -> None:
        record_association(scope, False, why)
        assoc.acse.send_reject(*reason)
        assoc.kill()  # as pynetdicom's own refusals do: the DUL sends the rejection, then the thread ends


def _calling_ae(assoc: Association) -> str:
    primitive = assoc.requestor.primitive
    title = primitive.calling_ae_title if primitive is not None else assoc.requestor.ae_title
    return str(title or "").strip()
