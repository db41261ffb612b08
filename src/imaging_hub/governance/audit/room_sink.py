"""The audit sink a face hands a domain room: each ``imaging_hub.actors.AuditEntry`` appended to the governance
trail, so the rooms record every action without importing governance."""

from __future__ import annotations

from dataclasses import dataclass

from imaging_hub import actors
from imaging_hub.governance.audit.chain import AuditRecord, AuditTrail


@dataclass(frozen=True)
class TrailSink:
    """``TrailSink(gov.audit, purpose="network")``: an ``actors.AuditSink``. The caller is named by the actor's
    ``audit_name`` (else its ``name``), with its kind and address; ``purpose`` says which part of the hub asked
    (the network rooms, the spoke routes); ``actor_kind`` replaces the actor's kind where a face has always
    recorded its own (the assurance pages: "user")."""

    trail: AuditTrail
    purpose: str = ""
    actor_kind: str = ""

    def __call__(self, entry: actors.AuditEntry) -> None:
        actor = entry.actor
        self.trail.record(
            AuditRecord(
                actor=actor.audit_name or actor.name,
                actor_kind=self.actor_kind or actor.kind,
                address=actor.address,
                action=entry.action,
                entity_type=entry.entity_type,
                entity_id=entry.entity_id,
                project=entry.project,
                purpose=self.purpose,
                outcome=entry.outcome,
                detail=dict(entry.detail),
            )
        )
