"""Domain objects as API bodies."""

from __future__ import annotations

from datetime import datetime

from imaging_hub.api.governance.models import (
    AgreementOut,
    AuditEntryOut,
    MembershipOut,
    PersonOut,
    ProjectOut,
    SnapshotOut,
    TokenOut,
)
from imaging_hub.governance import Agreement, ApiToken, AuditEntry, Person, Project, Snapshot, effective_state


def person_out(person: Person) -> PersonOut:
    return PersonOut(
        id=person.id,
        email=person.email,
        display_name=person.display_name,
        organisation_id=person.organisation_id,
        active=person.active,
        roles=[
            MembershipOut(
                id=m.id,
                role=m.role,
                project=m.project.code if m.project else None,
                site=m.site.ods_code if m.site else None,
            )
            for m in person.memberships
        ],
    )


def project_out(project: Project, phase: str) -> ProjectOut:
    return ProjectOut(
        code=project.code,
        title=project.title,
        iras_number=project.iras_number,
        cpms_number=project.cpms_number,
        lead_id=project.lead_id,
        deid_profile=project.deid_profile,
        status=project.status,
        phase=phase,
        sites=[s.ods_code for s in project.sites],
    )


def agreement_out(agreement: Agreement, now: datetime) -> AgreementOut:
    return AgreementOut(
        reference=agreement.reference,
        organisation_id=agreement.organisation_id,
        projects=[p.code for p in agreement.projects],
        purpose=agreement.purpose,
        permitted_data=agreement.permitted_data.split(),
        conditions=agreement.conditions,
        starts_at=agreement.starts_at,
        ends_at=agreement.ends_at,
        state=effective_state(agreement, now).value,
        terminates_at=agreement.terminates_at,
        deletion_attested_by=agreement.deletion_attested_by,
        deletion_attested_at=agreement.deletion_attested_at,
    )


def snapshot_out(snapshot: Snapshot, instance_count: int | str | None = None) -> SnapshotOut:
    """``instance_count``: the count as the caller may see it (small-number suppression); default exact."""
    return SnapshotOut(
        project=snapshot.project.code,
        version=snapshot.version,
        description=snapshot.description,
        agreement=snapshot.agreement.reference,
        created_at=snapshot.created_at,
        instance_count=snapshot.instance_count if instance_count is None else instance_count,
        manifest_sha256=snapshot.manifest_sha256,
    )


def token_out(token: ApiToken, secret: str | None = None) -> TokenOut:
    return TokenOut(
        key_id=token.key_id,
        name=token.name,
        person_id=token.person_id,
        scopes=token.scopes.split(),
        expires_at=token.expires_at,
        revoked=token.revoked_at is not None,
        token=secret,
    )


def audit_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        seq=entry.seq,
        recorded_at=entry.recorded_at,
        actor=entry.actor,
        actor_kind=entry.actor_kind,
        address=entry.address,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        project=entry.project,
        purpose=entry.purpose,
        outcome=entry.outcome,
    )
