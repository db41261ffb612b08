"""DIMSE engine: the hub's DICOM network services over pynetdicom, serving from protocols it defines.

Public surface:

- ``DicomServer(archive, *, ae_title, host, port, peers, scope_for, max_associations_per_peer,
  idle_timeout, direct_storage, require_called_ae_title)`` with ``start()``, ``stop()``, ``port``: Verification,
  Storage (all storage SOP classes, stored as received), Q/R C-FIND (patient and study root), C-MOVE (to
  ``peers``) and C-GET (back over the requesting association), sent as stored. An association for storage and
  Verification only is served outside pynetdicom's loops (``listener``, ``storage_association``), every other
  one by pynetdicom.
- ``DicomArchive`` (= ``InstanceStore`` + ``QuerySource`` + ``RetrieveSource``): what ``archive`` must be;
  ``IncomingInstance``, ``ReceivedInstance``, ``StoredFile``, ``Kept``, ``Level``, ``InstanceRefused``,
  ``QueryRefused`` go with it.
  The engine imports no store: the hub adapts its archive to these.
- ``STORAGE_TRANSFER_SYNTAXES``: the transfer syntaxes a Storage SCP accepts, in order of preference;
  ``MAX_PDU``: the PDU size our AEs advertise (fewer, larger PDUs per instance).
- ``Peer(ae_title, host, port)``, ``Peer.parse("AE@host:port")``: a C-MOVE destination.
- ``ProjectScope``: what ``scope_for(calling_ae_title, peer_address)`` returns (anything with ``projects``;
  optionally ``admitted``, ``writable_projects`` and recorders for associations, stores and ``Read``s).
- ``no_delay``: a pynetdicom ``EVT_CONN_OPEN`` handler that tunes the association's socket (TCP_NODELAY),
  for the other AEs in a process (the spoke's intake and PACS client).
- ``exact_reactor_pause()``: process-wide, once: a sender's DIMSE response is never taken by pynetdicom's own
  reactor thread (which left the sender with no status under load; see ``pause``). ``DicomServer.start`` calls
  it; so must any other process that sends on an association it requested.
- ``quiet_reactors()``: opt-in, process-wide: pynetdicom's association threads wait for work instead of
  polling every millisecond (see ``reactor``). Nothing is changed unless it is called.

Starting a server switches on pynetdicom's process-wide ``STORE_SEND_CHUNKED_DATASET`` (files are sent from
disk undecoded); ``spool_received=True`` also spools received datasets to disk (see ``DicomServer``).
"""

from imaging_hub.dimse.archive import (
    DicomArchive,
    IncomingInstance,
    InstanceRefused,
    InstanceStore,
    Kept,
    Level,
    QueryRefused,
    QuerySource,
    ReceivedInstance,
    RetrieveSource,
    StoredFile,
)
from imaging_hub.dimse.contexts import STORAGE_TRANSFER_SYNTAXES
from imaging_hub.dimse.pause import install as exact_reactor_pause
from imaging_hub.dimse.peers import Peer
from imaging_hub.dimse.reactor import install as quiet_reactors
from imaging_hub.dimse.scope import ProjectScope, Read, ScopeProvider, Unrestricted
from imaging_hub.dimse.server import MAX_PDU, DicomServer
from imaging_hub.dimse.sockets import no_delay

__all__ = [
    "MAX_PDU", "STORAGE_TRANSFER_SYNTAXES", "DicomArchive", "DicomServer", "IncomingInstance", "InstanceRefused",
    "InstanceStore", "Kept", "Level", "Peer", "ProjectScope", "QueryRefused", "QuerySource", "Read", "ReceivedInstance",
    "RetrieveSource", "ScopeProvider", "StoredFile", "Unrestricted", "exact_reactor_pause", "no_delay",
    "quiet_reactors",
]
