"""Request and response bodies of the governance API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from imaging_hub.governance import Role, Scope

MAX_ID = 2**31 - 1  # the database's integer columns are 32-bit on PostgreSQL
Id = Annotated[int, Field(ge=1, le=MAX_ID)]  # a row's id, as sent in a body


class SignIn(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class Me(BaseModel):
    person_id: int
    email: str
    display_name: str
    organisation_id: int
    roles: list[dict[str, str | None]]
    readable_projects: list[str]


class SiteIn(BaseModel):
    ods_code: str = Field(max_length=16)
    name: str = Field(max_length=200)


class SiteOut(SiteIn):
    id: int


class OrganisationIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    ods_code: str | None = Field(default=None, max_length=16)


class OrganisationOut(OrganisationIn):
    id: int


class PersonIn(BaseModel):
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=200)
    organisation_id: Id
    password: str | None = Field(default=None, max_length=1024)


class MembershipOut(BaseModel):
    id: int
    role: str
    project: str | None
    site: str | None


class PersonOut(BaseModel):
    id: int
    email: str
    display_name: str
    organisation_id: int
    active: bool
    roles: list[MembershipOut]


class GrantIn(BaseModel):
    role: Role
    project: str | None = Field(default=None, max_length=64)
    site: str | None = Field(default=None, max_length=16)


class ProjectIn(BaseModel):
    code: str = Field(max_length=64)
    title: str = Field(max_length=300)
    iras_number: str | None = Field(default=None, max_length=32)
    cpms_number: str | None = Field(default=None, max_length=32)
    lead_id: Id | None = None
    deid_profile: str = Field(default="research", max_length=64)
    sites: list[str] = Field(default_factory=list)


class ProjectUpdate(BaseModel):
    title: str | None = Field(default=None, max_length=300)
    status: str | None = Field(default=None, max_length=16)
    sites: list[str] | None = None


class ProjectOut(BaseModel):
    code: str
    title: str
    iras_number: str | None
    cpms_number: str | None
    lead_id: int | None
    deid_profile: str
    status: str  # the administrator's word: setup, open or closed
    phase: str  # as shown: setup, open, active (its data has arrived) or closed; see governance.lifecycle
    sites: list[str]


class CohortCount(BaseModel):
    site: str
    studies: str
    instances: str


class AgreementIn(BaseModel):
    reference: str = Field(max_length=64)
    organisation_id: Id
    projects: list[str]
    purpose: str = Field(max_length=2000)
    permitted_data: list[str]
    starts_at: datetime
    ends_at: datetime
    conditions: str = Field(default="", max_length=4000)


class Decision(BaseModel):
    decision: str = Field(pattern="^(activate|suspend|resume|terminate)$")
    reason: str = Field(default="", max_length=2000)
    at: datetime | None = None  # terminate: when it takes effect (default now)


class Attestation(BaseModel):
    attested_by: str = Field(max_length=200)


class AgreementOut(BaseModel):
    reference: str
    organisation_id: int
    projects: list[str]
    purpose: str
    permitted_data: list[str]
    conditions: str
    starts_at: datetime
    ends_at: datetime
    state: str
    terminates_at: datetime | None
    deletion_attested_by: str | None
    deletion_attested_at: datetime | None


class SnapshotIn(BaseModel):
    agreement: str = Field(max_length=64)
    description: str = Field(default="", max_length=2000)


class SnapshotOut(BaseModel):
    project: str
    version: int
    description: str
    agreement: str
    created_at: datetime
    instance_count: int | str  # "suppressed" where it would reveal a site with fewer than 10 studies
    manifest_sha256: str


class TokenIn(BaseModel):
    person_id: Id
    name: str = Field(max_length=200)
    scopes: list[Scope]
    days: int = Field(ge=1, le=366)


class TokenOut(BaseModel):
    key_id: str
    name: str
    person_id: int
    scopes: list[str]
    expires_at: datetime
    revoked: bool
    token: str | None = None  # only in the answer that issues it


class DimsePeerIn(BaseModel):
    ae_title: str = Field(max_length=16)
    address: str = Field(min_length=1, max_length=64)  # no default: "*" (any address) must be asked for
    person_id: Id


class AuditEntryOut(BaseModel):
    seq: int
    recorded_at: datetime
    actor: str
    actor_kind: str
    address: str
    action: str
    entity_type: str
    entity_id: str
    project: str
    purpose: str
    outcome: str


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str]
