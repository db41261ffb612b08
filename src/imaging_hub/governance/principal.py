"""Who is asking: a person (or service) with their roles, reached through a session, token or DICOM peer."""

from __future__ import annotations

from dataclasses import dataclass, field

from imaging_hub.governance.roles import ALL_SCOPES, Role, Scope


@dataclass(frozen=True)
class Grant:
    """One role held: network-wide (no project, no site), at a site, or in a project (by code)."""

    role: Role
    project: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class Principal:
    person_id: int
    email: str
    display_name: str
    organisation_id: int
    grants: frozenset[Grant] = frozenset()
    scopes: frozenset[Scope] = ALL_SCOPES  # a token narrows these; a session holds them all
    via: str = "session"  # session | token | dimse | system
    address: str = ""
    token_name: str | None = field(default=None, compare=False)

    def holds(self, role: Role, project: str | None = None) -> bool:
        return any(g.role == role and (project is None or g.project == project) for g in self.grants)

    def holds_any(self, roles: frozenset[Role], project: str | None = None) -> bool:
        return any(self.holds(role, project) for role in roles)

    def may(self, scope: Scope) -> bool:
        return scope in self.scopes

    @property
    def is_administrator(self) -> bool:
        return self.holds(Role.NETWORK_ADMINISTRATOR)

    @property
    def is_auditor(self) -> bool:
        return self.holds(Role.AUDITOR)

    @property
    def audit_name(self) -> str:
        """How the audit trail names this caller (an account email, never a patient)."""
        return f"{self.email} (token {self.token_name})" if self.token_name else self.email

    def projects_with(self, roles: frozenset[Role]) -> frozenset[str]:
        return frozenset(g.project for g in self.grants if g.role in roles and g.project)

    def sites_with(self, roles: frozenset[Role]) -> frozenset[str]:
        return frozenset(g.site for g in self.grants if g.role in roles and g.site)


SYSTEM = Principal(
    person_id=0,
    email="system",
    display_name="Imaging Hub (system)",
    organisation_id=0,
    grants=frozenset({Grant(Role.NETWORK_ADMINISTRATOR)}),
    via="system",
)
