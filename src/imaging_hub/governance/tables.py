"""The governance tables (ORM). Own metadata, ``gov_`` prefix, own Alembic history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from imaging_hub.governance.database import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


project_sites = Table(
    "gov_project_sites",
    metadata,
    Column("project_id", ForeignKey("gov_projects.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("gov_sites.id", ondelete="RESTRICT"), primary_key=True),
)

agreement_projects = Table(
    "gov_agreement_projects",
    metadata,
    Column("agreement_id", ForeignKey("gov_agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("gov_projects.id", ondelete="RESTRICT"), primary_key=True),
)


class Site(Base):
    """An NHS trust taking part in the network, known by its ODS code."""

    __tablename__ = "gov_sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    ods_code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Organisation(Base):
    """A recipient of data or the employer of people: trust, university, company."""

    __tablename__ = "gov_organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # nhs_trust | university | company | network
    ods_code: Mapped[str | None] = mapped_column(String(16), nullable=True)


class Person(Base):
    """Someone (or a service) who signs in; belongs to one organisation."""

    __tablename__ = "gov_people"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("gov_organisations.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    memberships: Mapped[list[Membership]] = relationship(
        lazy="selectin", back_populates="person", cascade="all, delete-orphan"
    )


class Project(Base):
    """A research study. ``code`` is what instances carry as ClinicalTrialProtocolID."""

    __tablename__ = "gov_projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    iras_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cpms_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("gov_people.id"), nullable=True)
    deid_profile: Mapped[str] = mapped_column(String(64), default="research")
    status: Mapped[str] = mapped_column(String(16), default="setup")  # setup | open | closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sites: Mapped[list[Site]] = relationship(secondary=project_sites, lazy="selectin", order_by=Site.ods_code)


class Membership(Base):
    """A role held by a person: network-wide, at a site, or in a project."""

    __tablename__ = "gov_memberships"
    __table_args__ = (UniqueConstraint("person_id", "role", "project_id", "site_id", name="uq_gov_membership"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("gov_projects.id"), nullable=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("gov_sites.id"), nullable=True)
    person: Mapped[Person] = relationship(back_populates="memberships")
    project: Mapped[Project | None] = relationship(lazy="joined")
    site: Mapped[Site | None] = relationship(lazy="joined")


class Agreement(Base):
    """A data-sharing agreement between the network and a recipient organisation.

    ``state`` is what people decided (draft, active, suspended, terminated). Expiry at ``ends_at`` and a
    scheduled termination at ``terminates_at`` take effect by themselves: see ``agreements.effective_state``.
    """

    __tablename__ = "gov_agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("gov_organisations.id"))
    purpose: Mapped[str] = mapped_column(Text)
    permitted_data: Mapped[str] = mapped_column(String(200))  # space-separated: imaging labels clinical_metadata
    conditions: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="draft")
    terminates_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    termination_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    deletion_attested_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    deletion_attested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    projects: Mapped[list[Project]] = relationship(secondary=agreement_projects, lazy="selectin", order_by=Project.code)


class Snapshot(Base):
    """An immutable, versioned list of a project's instances with content hashes."""

    __tablename__ = "gov_snapshots"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_gov_snapshot_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("gov_projects.id"))
    version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    agreement_id: Mapped[int] = mapped_column(ForeignKey("gov_agreements.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    instance_count: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    project: Mapped[Project] = relationship(lazy="joined")
    agreement: Mapped[Agreement] = relationship(lazy="joined")


class SnapshotItem(Base):
    __tablename__ = "gov_snapshot_items"
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("gov_snapshots.id", ondelete="CASCADE"), primary_key=True)
    sop_instance_uid: Mapped[str] = mapped_column(String(64), primary_key=True)
    study_instance_uid: Mapped[str] = mapped_column(String(64))
    series_instance_uid: Mapped[str] = mapped_column(String(64))
    site: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class WebSession(Base):
    """A signed-in browser. Only the hash of the cookie value is stored."""

    __tablename__ = "gov_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ApiToken(Base):
    """A scoped, expiring credential for a service or spoke; only its hash is stored."""

    __tablename__ = "gov_api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DimsePeer(Base):
    """A DICOM application entity acting for a person (usually a spoke's service account)."""

    __tablename__ = "gov_dimse_peers"
    __table_args__ = (UniqueConstraint("ae_title", "address", name="uq_gov_dimse_peer"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ae_title: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))  # an IP address, or "*" for any
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id", ondelete="CASCADE"))


class AuditEntry(Base):
    """One link of the hash chain. Never updated or deleted by the application."""

    __tablename__ = "gov_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(254), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # person | token | dimse | system | anonymous
    address: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(200))
    project: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # success | denied | failed
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)  # HMAC key; None: plain hash (legacy)


class AuditHead(Base):
    """The chain's head: last sequence number and hash. Locking it serialises appends across processes."""

    __tablename__ = "gov_audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditedStore(Base):
    """An instance newly stored, named by the audit entry that recorded its store, written in that entry's
    transaction. Start-up compares these with the archive's change feed (``settle_stored``): a change with no
    row was committed by a request that crashed before its audit entry, and gets one then."""

    __tablename__ = "gov_audited_store"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sop_instance_uid: Mapped[str] = mapped_column(String(64), index=True)
    audit_seq: Mapped[int] = mapped_column(Integer)


class StoreAuditCursor(Base):
    """The change-feed position up to which every stored instance is known to be audited (one row, id 1)."""

    __tablename__ = "gov_store_audit_cursor"
    id: Mapped[int] = mapped_column(primary_key=True)
    change_seq: Mapped[int] = mapped_column(Integer)


class PeerDestination(Base):
    """A C-MOVE destination (an AE title of the hub's address book) a DICOM peer may name."""

    __tablename__ = "gov_peer_destinations"
    __table_args__ = (UniqueConstraint("peer_id", "destination", name="uq_gov_peer_destination"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("gov_dimse_peers.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(16))


class ProjectDestination(Base):
    """A C-MOVE destination a project's instances may be sent to."""

    __tablename__ = "gov_project_destinations"
    __table_args__ = (UniqueConstraint("project_id", "destination", name="uq_gov_project_destination"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("gov_projects.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(16))


class Generation(Base):
    """A number every governance transaction increments (one row, id 1): a cache of callers built at one value
    is stale as soon as it moves, whichever process changed what (a token revoked, a role, an agreement)."""

    __tablename__ = "gov_generation"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
