"""The hub's association server: pynetdicom's, except that storage-only associations are served directly.

``AssociationListener`` is pynetdicom's ``ThreadedAssociationServer`` with socketserver's documented
``finish_request`` hook overridden (it runs on the connection's own thread). It peeks at the first PDU
without consuming it: an A-ASSOCIATE-RQ that ``handshake.storage_request`` accepts (storage and Verification
contexts only, nothing to negotiate beyond the defaults) is admitted by the same ``Callers`` as pynetdicom's
associations, negotiated with pynetdicom's PDU classes (``handshake.Negotiator``) and served by
``StorageAssociation`` on this thread. Every other connection goes to pynetdicom untouched
(``super().finish_request``), so every other behaviour (query/retrieve, role selection, user identity, TLS,
malformed requests) stays pynetdicom's. Like pynetdicom's acceptor, the direct path closes a connection whose
last PDU it sent (A-ASSOCIATE-RJ, A-RELEASE-RP, A-ABORT) only once the peer has closed it or the ARTIM timer
(the association request time-out) has run out.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pynetdicom.pdu_primitives import A_ASSOCIATE
from pynetdicom.transport import ThreadedAssociationServer

from imaging_hub.dimse import handshake, pdus, sockets
from imaging_hub.dimse.archive import InstanceStore
from imaging_hub.dimse.callers import Callers
from imaging_hub.dimse.storage_association import Peer, StorageAssociation

log = logging.getLogger(__name__)

_REQUEST_LIMIT = 256 * 1024  # an A-ASSOCIATE-RQ larger than this is left to pynetdicom
_STOP_WAIT_S = 10.0  # how long stopping waits for a direct association to finish what it is storing


@dataclass(frozen=True)
class DirectStorage:
    """What the direct path needs: the archive, the admission registry, the SOP classes it serves, limits."""

    store: InstanceStore
    callers: Callers
    served: Collection[str]  # abstract syntaxes: the storage SOP classes and Verification
    idle_timeout: float
    associate_timeout: float


class AssociationListener(ThreadedAssociationServer):
    """See the module docstring; construct with ``AE.make_server(..., server_class=AssociationListener,
    direct=DirectStorage(...))``."""

    daemon_threads = True  # a direct association lives on its connection's thread: never block exit

    def __init__(self, *args: Any, direct: DirectStorage, **kwargs: Any) -> None:
        self._direct = direct
        self._sessions: dict[socket.socket, threading.Thread] = {}
        self._sessions_lock = threading.Lock()
        super().__init__(*args, **kwargs)
        self._negotiator = handshake.Negotiator(direct.served, self.contexts, self.ae.maximum_pdu_size,
                                                self.ae.implementation_class_uid, self.ae.implementation_version_name)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is not None or not isinstance(request, socket.socket):
            super().finish_request(request, client_address)
            return
        timeout = request.gettimeout()
        try:
            first = pdus.peek_first(request, self._direct.associate_timeout, _REQUEST_LIMIT)
        except OSError:
            first = None
        if first is None:
            log.info("a connection from %s sent no association request: closed", client_address[0])
            self.shutdown_request(request)
            return
        association = self._negotiator.negotiate(first)
        if association is None:
            request.settimeout(timeout)
            super().finish_request(request, client_address)  # pynetdicom reads the request itself
            return
        with self._sessions_lock:
            self._sessions[request] = threading.current_thread()
        try:
            if self._serve(request, str(client_address[0]), association, len(first)):
                sockets.await_close(request, self._direct.associate_timeout)  # stopping the server cuts it short
        finally:
            with self._sessions_lock:
                self._sessions.pop(request, None)
            self.shutdown_request(request)

    def _serve(self, sock: socket.socket, address: str, association: tuple[A_ASSOCIATE, handshake.Acceptance],
               request_length: int) -> bool:
        """Serve the association; True when it ended with a PDU sent to the peer, which the peer closes after."""
        direct, ae = self._direct, self.ae
        request, acceptance = association
        sock.settimeout(direct.idle_timeout)
        try:
            pdus.discard(sock, request_length)
        except (OSError, pdus.PeerGone):
            return False
        sockets.no_nagle(sock)
        calling = str(request.calling_ae_title or "").strip()
        holder = object()  # this association, in the registry both paths share
        called = str(request.called_ae_title or "").strip()
        scope, refusal = direct.callers.admit(holder, calling, address, called)
        try:
            if refusal is not None:
                sock.sendall(handshake.reject(refusal))
                return True
            sock.sendall(acceptance.pdu)
            log.debug("storage association from %s at %s served directly", calling, address)
            return StorageAssociation(sock, direct.store, Peer(calling, address, scope), acceptance,
                                      ae.maximum_pdu_size).serve()
        except OSError as exc:
            log.warning("association from %s at %s lost: %s", calling, address, exc.strerror or type(exc).__name__)
            return False
        finally:
            direct.callers.release(holder)

    def shutdown(self) -> None:
        """Stop listening, then end the direct associations (what they are storing is finished first)."""
        socketserver.BaseServer.shutdown(self)
        self.server_close()
        with self._sessions_lock:
            sessions = dict(self._sessions)
        for sock in sessions:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in sessions.values():
            thread.join(_STOP_WAIT_S)
