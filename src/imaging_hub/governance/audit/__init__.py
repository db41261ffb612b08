"""The tamper-evident audit trail: append-only, hash-chained (HMAC-keyed with keys held outside the database),
anchored by signed checkpoints kept outside it, verifiable, exportable as FHIR AuditEvent. ``TrailSink`` is the
audit sink a face gives a domain room: the room's entries appended to this trail."""

from imaging_hub.governance.audit.chain import GENESIS_HASH, AuditFilter, AuditRecord, AuditTrail
from imaging_hub.governance.audit.checkpoint import (
    CHECKPOINT_EVERY,
    Checkpoint,
    read_checkpoint,
    write_checkpoint,
)
from imaging_hub.governance.audit.fhir import to_fhir_audit_event, to_fhir_bundle
from imaging_hub.governance.audit.keys import AuditKeyError, AuditKeys
from imaging_hub.governance.audit.room_sink import TrailSink
from imaging_hub.governance.audit.settle import ChangeFeed, settle_stored
from imaging_hub.governance.audit.verify import VerifyReport, verify_chain

__all__ = [
    "CHECKPOINT_EVERY",
    "GENESIS_HASH",
    "AuditFilter",
    "AuditKeyError",
    "AuditKeys",
    "AuditRecord",
    "AuditTrail",
    "ChangeFeed",
    "Checkpoint",
    "TrailSink",
    "VerifyReport",
    "read_checkpoint",
    "settle_stored",
    "to_fhir_audit_event",
    "to_fhir_bundle",
    "verify_chain",
    "write_checkpoint",
]
