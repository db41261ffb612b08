"""The hub's DICOM server: verification, storage and query/retrieve SCPs on one AE, over a ``DicomArchive``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from pynetdicom import AE, _config, evt
from pynetdicom.association import Association

from imaging_hub.dimse.archive import DicomArchive
from imaging_hub.dimse.callers import Callers
from imaging_hub.dimse.contexts import (
    FIND_SOP_CLASSES,
    GET_SOP_CLASSES,
    MOVE_SOP_CLASSES,
    QUERY_TRANSFER_SYNTAXES,
    STORAGE_SOP_CLASSES,
    STORAGE_TRANSFER_SYNTAXES,
    VERIFICATION,
)
from imaging_hub.dimse.find import FindSCP
from imaging_hub.dimse.listener import AssociationListener, DirectStorage
from imaging_hub.dimse.pause import install as exact_reactor_pause
from imaging_hub.dimse.peers import Peer
from imaging_hub.dimse.retrieve import RetrieveSCP
from imaging_hub.dimse.scope import ScopeProvider, unrestricted
from imaging_hub.dimse.sender import enable_raw_transfer, install_sender
from imaging_hub.dimse.sockets import no_delay, tune
from imaging_hub.dimse.storage import StorageSCP

log = logging.getLogger(__name__)

MAX_PDU = 256 * 1024  # larger PDUs than pynetdicom's 16 KiB default: fewer round trips per instance
MAX_ASSOCIATIONS = 32
MAX_ASSOCIATIONS_PER_PEER = 8  # so that one peer (by AE title or by address) cannot hold every slot
IDLE_TIMEOUT_S = 60.0  # an association with no PDU for this long is aborted (pynetdicom's network timeout)
ASSOCIATE_TIMEOUT_S = 30.0  # a connection that sends no A-ASSOCIATE-RQ within this is closed


class _HubAE(AE):
    """pynetdicom's AE, but each association it requests (a C-MOVE destination) sends stored files as stored."""

    def associate(self, *args: Any, **kwargs: Any) -> Association:
        assoc = super().associate(*args, **kwargs)
        tune(assoc)
        install_sender(assoc)
        return assoc


class DicomServer:
    """Verification, Storage (every storage SOP class) and Q/R FIND/MOVE/GET SCPs over one ``DicomArchive``.

    ``scope_for(calling_ae_title, peer_address)`` is asked once per association, when it is requested; it
    returns an object with ``projects`` (see ``imaging_hub.dimse.scope``). When that is not None, C-FIND
    answers and C-MOVE/C-GET sub-operations are limited to instances of those projects. When it also has
    ``writable_projects`` (not None), C-STOREs of instances of other projects are refused; when its
    ``admitted`` is False, the association is refused. A peer holds at most ``max_associations_per_peer``
    associations (by calling AE title and by address); one idle for ``idle_timeout`` seconds is aborted. With
    ``require_called_ae_title`` an association addressed to any other AE title than ``ae_title`` is refused.

    An association whose presentation contexts are all storage or Verification (what storescu, modalities
    and PACS sending to the hub ask for) is served by ``storage_association`` on its connection's thread,
    outside pynetdicom's loops (``direct_storage``; see ``listener``); every other one by pynetdicom.
    Both count against the same limits.

    The direct path always writes a data set into the archive's spool as it arrives, so a large instance
    never sits in memory. ``spool_received`` does the same for what pynetdicom receives (an instance sent
    on an association that also has query/retrieve contexts, or a C-GET's): it turns on pynetdicom's
    process-wide ``STORE_RECV_CHUNKED_DATASET`` so those data sets go to a temporary file instead of memory.
    It is off by default because it changes every pynetdicom SCP in the process: one that calls
    ``event.encoded_dataset()`` (the spoke's intake does) would then read an empty dataset.
    """

    def __init__(
        self,
        archive: DicomArchive,
        *,
        ae_title: str = "IMAGINGHUB",
        host: str = "127.0.0.1",
        port: int = 11112,
        peers: Sequence[Peer] = (),
        scope_for: ScopeProvider | None = None,
        spool_received: bool = False,
        max_associations_per_peer: int = MAX_ASSOCIATIONS_PER_PEER,
        idle_timeout: float = IDLE_TIMEOUT_S,
        direct_storage: bool = True,
        require_called_ae_title: bool = False,
    ) -> None:
        destinations = {peer.ae_title: peer for peer in peers}
        if len(destinations) != len(peers):
            raise ValueError("two peers share an AE title; C-MOVE destinations must be unambiguous")
        if idle_timeout <= 0:
            raise ValueError("the idle time-out must be a positive number of seconds")
        self.ae_title = ae_title
        self.host = host
        self._requested_port = port
        self._spool_received = spool_received
        self._server: AssociationListener | None = None
        callers = Callers(scope_for or unrestricted, max_associations_per_peer, MAX_ASSOCIATIONS,
                          called_ae_title=ae_title if require_called_ae_title else None)
        retrieve = RetrieveSCP(archive, destinations, callers)
        served = {str(uid) for uid in (*STORAGE_SOP_CLASSES, VERIFICATION)} if direct_storage else set()
        self._direct = DirectStorage(archive, callers, frozenset(served), idle_timeout, ASSOCIATE_TIMEOUT_S)
        self._handlers: list[evt.EventHandlerType] = [
            (evt.EVT_REQUESTED, callers.requested),
            (evt.EVT_CONN_CLOSE, callers.closed),
            (evt.EVT_C_STORE, StorageSCP(archive, callers)),
            (evt.EVT_C_FIND, FindSCP(archive, ae_title, callers)),
            (evt.EVT_C_MOVE, retrieve.move),
            (evt.EVT_C_GET, retrieve.get),
            (evt.EVT_CONN_OPEN, no_delay),
        ]
        self._ae = _application_entity(ae_title)
        self._ae.network_timeout = idle_timeout
        self._ae.acse_timeout = ASSOCIATE_TIMEOUT_S

    @property
    def port(self) -> int:
        """The port listened on (the one the OS picked when constructed with ``port=0``)."""
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Start listening and return; associations are served on background threads."""
        if self._server is not None:
            return
        enable_raw_transfer()
        exact_reactor_pause()  # C-MOVE sub-operations are sent on associations the server requests
        if self._spool_received:
            _config.STORE_RECV_CHUNKED_DATASET = True
        server = self._ae.make_server((self.host, self._requested_port), evt_handlers=self._handlers,
                                      server_class=AssociationListener, direct=self._direct)
        assert isinstance(server, AssociationListener)
        threading.Thread(target=server.serve_forever, name=f"DICOM {self.ae_title}", daemon=True).start()
        self._server = server
        log.info("DICOM %s listening on %s:%d", self.ae_title, self.host, self.port)

    def stop(self) -> None:
        """Stop listening and end open associations."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server = None
        self._ae.shutdown()

    def __enter__(self) -> DicomServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _application_entity(ae_title: str) -> AE:
    ae = _HubAE(ae_title=ae_title)
    ae.maximum_pdu_size = MAX_PDU
    ae.maximum_associations = MAX_ASSOCIATIONS
    ae.add_supported_context(VERIFICATION, list(QUERY_TRANSFER_SYNTAXES))
    for sop_class in STORAGE_SOP_CLASSES:
        # Both roles, so a C-GET requestor's SCP/SCU role selection for storage is accepted.
        ae.add_supported_context(sop_class, list(STORAGE_TRANSFER_SYNTAXES), scu_role=True, scp_role=True)
    for sop_class in (*FIND_SOP_CLASSES, *MOVE_SOP_CLASSES, *GET_SOP_CLASSES):
        ae.add_supported_context(sop_class, list(QUERY_TRANSFER_SYNTAXES))
    return ae
