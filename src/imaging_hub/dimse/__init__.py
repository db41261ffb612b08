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
"""

from imaging_hub.dimse.contexts import STORAGE_TRANSFER_SYNTAXES
from imaging_hub.dimse.peers import Peer
from imaging_hub.dimse.scope import ProjectScope, ScopeProvider, Unrestricted
from imaging_hub.dimse.server import MAX_PDU, DicomServer

__all__ = [
    "MAX_PDU", "STORAGE_TRANSFER_SYNTAXES", "DicomServer", "Peer", "ProjectScope", "ScopeProvider", "Unrestricted",
]
