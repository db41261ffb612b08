"""DIMSE engine: the hub's DICOM network services over pynetdicom.

Public surface:

- ``DicomServer(archive, *, ae_title, host, port, peers, scope_for)`` with ``start()``, ``stop()``, ``port``:
  Verification, Storage (all storage SOP classes, stored as received), Q/R C-FIND (patient and study root),
  C-MOVE (to ``peers``) and C-GET (back over the requesting association), sent as stored.
- ``STORAGE_TRANSFER_SYNTAXES``: the transfer syntaxes a Storage SCP accepts, in order of preference;
  ``MAX_PDU``: the PDU size our AEs advertise (fewer, larger PDUs per instance).
- ``Peer(ae_title, host, port)``, ``Peer.parse("AE@host:port")``: a C-MOVE destination.
- ``ProjectScope``: what ``scope_for(calling_ae_title, peer_address)`` returns (anything with ``projects``;
  optionally ``writable_projects`` to restrict C-STORE, and ``record_store(...)`` to hear of each store).

Starting a server switches on pynetdicom's process-wide ``STORE_SEND_CHUNKED_DATASET`` (files are sent from
disk undecoded); ``spool_received=True`` also spools received datasets to disk (see ``DicomServer``).
Importing this package makes pynetdicom's association threads wait for work instead of polling every
millisecond (``reactor.install``), for every association the process opens, ours or a peer's.
"""

from imaging_hub.dimse.contexts import STORAGE_TRANSFER_SYNTAXES
from imaging_hub.dimse.peers import Peer
from imaging_hub.dimse.reactor import install as _quiet_reactors
from imaging_hub.dimse.scope import ProjectScope, ScopeProvider, Unrestricted
from imaging_hub.dimse.server import MAX_PDU, DicomServer

_quiet_reactors()

__all__ = [
    "MAX_PDU", "STORAGE_TRANSFER_SYNTAXES", "DicomServer", "Peer", "ProjectScope", "ScopeProvider", "Unrestricted",
]
