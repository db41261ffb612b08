"""The tamper-evident audit trail: append-only, hash-chained, verifiable, exportable as FHIR AuditEvent."""

from imaging_hub.governance.audit.chain import GENESIS_HASH, AuditFilter, AuditRecord, AuditTrail
from imaging_hub.governance.audit.fhir import to_fhir_audit_event, to_fhir_bundle
from imaging_hub.governance.audit.verify import VerifyReport, verify_chain

__all__ = [
    "GENESIS_HASH",
    "AuditFilter",
    "AuditRecord",
    "AuditTrail",
    "VerifyReport",
    "to_fhir_audit_event",
    "to_fhir_bundle",
    "verify_chain",
]
